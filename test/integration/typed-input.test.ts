/**
 * Requests as people and odd clients really send them (T11, T12):
 * - typed by hand, one line at a time at human speed: a JOIN, LEAVE or DISCONNECT whose lines
 *   all ended is never cut by a pause; it is served when its last field arrives (the quiet rule
 *   is only for a last line that lacks its newline);
 * - identifiers longer than any roomcast issues (one real client sends 39-digit refs) are still
 *   numbers: "no such room" or "unknown user", never a format error.
 */
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';

const QUIET_MS = 50;
/** A person's pause between lines: many times the quiet time. */
const PAUSE_MS = QUIET_MS * 4;

async function typeLines(c: WireClient, lines: readonly string[]): Promise<void> {
  for (const line of lines) {
    await c.expectSilenceFor(PAUSE_MS); // nothing is answered while the person types
    c.send(`${line}\r\n`); // a terminal (socat, telnet) sends CRLF
  }
}

async function withServer(run: (srv: TestServer) => Promise<void>): Promise<void> {
  const srv = await startServer({ quietMs: QUIET_MS });
  try {
    await run(srv);
  } finally {
    await srv.close();
  }
}

test('T11 a LEAVE typed line by line is served after its last line, never cut by a pause', () =>
  withServer(async (srv) => {
    const c = await WireClient.connect(srv.port);
    const j = await joinRoom(c, 'typing', 'typist');
    await typeLines(c, [`LEAVE_CHATROOM: ${j.roomRef}`, `JOIN_ID: ${j.joinId}`]);
    await c.expectSilenceFor(PAUSE_MS);
    c.send('CLIENT_NAME: typist\r\n');
    await c.expect(frame.left(j.roomRef, j.joinId) + frame.leftNotice(j.roomRef, 'typist'));
    c.send(request.helo('done'));
    await c.expect(frame.helo('done', srv.port)); // no error 1 for a stray CLIENT_NAME line
    c.close();
  }));

test('T11 a JOIN typed line by line is served after its last line', () =>
  withServer(async (srv) => {
    const c = await WireClient.connect(srv.port);
    await typeLines(c, ['JOIN_CHATROOM: typed', 'CLIENT_IP: 0', 'PORT: 0']);
    await c.expectSilenceFor(PAUSE_MS);
    c.send('CLIENT_NAME: typist\r\n');
    await c.expect(frame.joined('typed', srv.port, 1, 1));
    await c.expect(frame.joinedNotice(1, 'typist'));
    c.close();
  }));

test('T11 a DISCONNECT typed line by line closes only after its last line', () =>
  withServer(async (srv) => {
    const c = await WireClient.connect(srv.port);
    const j = await joinRoom(c, 'bye', 'typist');
    await typeLines(c, ['DISCONNECT: 0', 'PORT: 0']);
    await c.expectSilenceFor(PAUSE_MS);
    c.send('CLIENT_NAME: typist\r\n');
    await c.expect(frame.leftNotice(j.roomRef, 'typist'));
    await c.expectClosed();
  }));

test('T11 a LEAVE whose last line lacks its newline is still served once the peer is quiet', () =>
  withServer(async (srv) => {
    const c = await WireClient.connect(srv.port);
    const j = await joinRoom(c, 'no-newline', 'n');
    c.send(`LEAVE_CHATROOM: ${j.roomRef}\nJOIN_ID: ${j.joinId}\nCLIENT_NAME: n`);
    await c.expect(frame.left(j.roomRef, j.joinId) + frame.leftNotice(j.roomRef, 'n'));
    c.close();
  }));

test('T12 identifiers of any length are numbers: error 2 for the room, 3 for the JOIN_ID', () =>
  withServer(async (srv) => {
    const c = await WireClient.connect(srv.port);
    const j = await joinRoom(c, 'ids', 'md5');
    const huge = '123456789012345678901234567890123456789'; // 39 digits
    c.send(request.chat(huge, j.joinId, 'md5', 'hi'));
    await c.expect(frame.error(2, 'No chat room with that ROOM_REF: ROOM_REF of over 15 digits'));
    c.send(request.leave(huge, j.joinId, 'md5'));
    await c.expect(frame.error(2, 'No chat room with that ROOM_REF: ROOM_REF of over 15 digits'));
    c.send(request.chat(j.roomRef, huge, 'md5', 'hi'));
    await c.expect(frame.error(3, 'Unknown user: JOIN_ID of over 15 digits'));
    // Leading zeros do not make a number long: 0001 is ref 1.
    c.send(request.chat(`000000000000000000000${j.roomRef}`, j.joinId, 'md5', 'zeros'));
    await c.expect(frame.chat(j.roomRef, 'md5', 'zeros'));
    c.close();
  }));
