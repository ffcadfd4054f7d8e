/**
 * T12: every error code of docs/protocol.md reached over a real socket, with the exact reply,
 * and the connection still usable afterwards where the code allows it.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, errorDescriptions } from '../../src/protocol/errors.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer, type TestServer, type TestServerOptions } from '../helpers/server.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';

const reached = new Set<number>();

async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Expects the error reply, then checks the connection still answers HELO. */
async function expectError(
  c: WireClient,
  port: number,
  code: number,
  description: string,
): Promise<void> {
  await c.expect(frame.error(code, description));
  reached.add(code);
  c.send('HELO alive\n');
  await c.expect(frame.helo('alive', port));
}

async function withServer(
  options: TestServerOptions,
  body: (srv: TestServer) => Promise<void>,
): Promise<void> {
  const srv = await startServer(options);
  try {
    await body(srv);
  } finally {
    await srv.close();
  }
}

describe('error codes (T12)', () => {
  let srv: TestServer;
  let c: WireClient;
  let other: WireClient;
  before(async () => {
    srv = await startServer({
      limits: {
        maxRequestBytes: 1024,
        maxMessageBytes: 64,
        maxNameBytes: 16,
        maxRoomsPerConnection: 2,
      },
    });
    c = await WireClient.connect(srv.port);
    other = await WireClient.connect(srv.port);
  });
  after(async () => {
    c.close();
    other.close();
    await srv.close();
  });

  test('1 invalid message format: unknown request, missing field, bad number', async () => {
    c.send('WHAT IS THIS\n');
    await expectError(c, srv.port, 1, "Invalid message format: unknown request 'WHAT IS THIS'");
    c.send('JOIN_CHATROOM: r\nCLIENT_IP: 0\nPORT: 0\n\n');
    await expectError(c, srv.port, 1, 'Invalid message format: JOIN_CHATROOM without CLIENT_NAME');
    c.send(request.chat('x1', 1, 'a', 'm'));
    await expectError(
      c,
      srv.port,
      1,
      "Invalid message format: CHAT must be a non-negative integer, not 'x1'",
    );
  });

  test('2 no chat room with that ROOM_REF', async () => {
    c.send(request.chat(9999, 1, 'a', 'm'));
    await expectError(c, srv.port, 2, 'No chat room with that ROOM_REF: ROOM_REF 9999');
    c.send(request.leave(9999, 1, 'a'));
    await expectError(c, srv.port, 2, 'No chat room with that ROOM_REF: ROOM_REF 9999');
  });

  test('3 unknown user: a JOIN_ID never issued', async () => {
    const j = await joinRoom(c, 'errors-room', 'alice');
    c.send(request.chat(j.roomRef, 424242, 'alice', 'm'));
    await expectError(c, srv.port, 3, 'Unknown user: JOIN_ID 424242');
  });

  test('4 a JOIN_ID of another connection (T8)', async () => {
    const mine = await joinRoom(other, 'errors-other', 'bob');
    c.send(request.chat(mine.roomRef, mine.joinId, 'bob', 'spoof'));
    await expectError(
      c,
      srv.port,
      4,
      `JOIN_ID belongs to another connection: JOIN_ID ${mine.joinId}`,
    );
    await other.expectNothing();
  });

  test('5 CHAT to a room the connection is not in', async () => {
    c.send(request.join('errors-room', 'alice'));
    const j = await c.nextReply();
    assert.equal(j.type, 'joined');
    if (j.type !== 'joined') return;
    c.send(request.chat(2, j.joinId, 'alice', 'not mine')); // room 2 is errors-other
    await expectError(c, srv.port, 5, 'Not a member of that chat room: ROOM_REF 2');
  });

  test('6 request too large', async () => {
    c.send(`JOIN_CHATROOM: ${'r'.repeat(2000)}\n`);
    await expectError(c, srv.port, 6, 'Request too large: over 1024 bytes');
  });

  test('7 message too large', async () => {
    c.send(request.chat(1, 1, 'alice', 'm'.repeat(100)));
    await expectError(c, srv.port, 7, 'Message too large: over 64 bytes');
  });

  test('8 too many rooms for this connection', async () => {
    await joinRoom(c, 'errors-second', 'alice');
    c.send(request.join('errors-third', 'alice'));
    await expectError(c, srv.port, 8, 'Too many chat rooms for this connection: at most 2');
  });

  test('10 invalid name: empty or too long', async () => {
    c.send(request.join('', 'alice'));
    await expectError(c, srv.port, 10, 'Invalid name: empty room name');
    c.send(request.join('room', 'n'.repeat(17)));
    await expectError(c, srv.port, 10, 'Invalid name: CLIENT_NAME over 16 bytes');
    // The same bound on the CLIENT_NAME of a CHAT or a LEAVE: nothing is relayed.
    const j = await joinRoom(other, 'errors-names', 'bob');
    other.send(request.chat(j.roomRef, j.joinId, 'b'.repeat(17), 'hi'));
    await expectError(other, srv.port, 10, 'Invalid name: CLIENT_NAME over 16 bytes');
    other.send(request.leave(j.roomRef, j.joinId, 'b'.repeat(17)));
    await expectError(other, srv.port, 10, 'Invalid name: CLIENT_NAME over 16 bytes');
    // DISCONNECT has no reply: an unusable name gives way to the name the room was joined with.
    other.send(request.disconnect('b'.repeat(17)));
    await other.expect(frame.leftNotice(2, 'bob') + frame.leftNotice(j.roomRef, 'bob'));
    await other.expectClosed();
  });
});

test('15 too many chat rooms on this server; existing rooms can still be joined', () =>
  withServer({ limits: { maxRooms: 2 } }, async (srv) => {
    const c = await WireClient.connect(srv.port);
    await joinRoom(c, 'first', 'a');
    await joinRoom(c, 'second', 'a');
    c.send(request.join('third', 'a'));
    await expectError(c, srv.port, 15, 'Too many chat rooms on this server: at most 2');
    const d = await WireClient.connect(srv.port);
    const again = await joinRoom(d, 'first', 'd');
    assert.equal(again.roomRef, 1);
    c.close();
    d.close();
  }));

test('9 KILL_SERVICE not permitted', () =>
  withServer({ killPolicy: 'off' }, async (srv) => {
    const c = await WireClient.connect(srv.port);
    c.send('KILL_SERVICE\n');
    await expectError(c, srv.port, 9, "KILL_SERVICE not permitted: policy is 'off'");
    c.close();
  }));

test('11 too many requests; a flood past the burst is disconnected', () =>
  withServer({ limits: { rateLimitPerSecond: 5, rateBurst: 3 } }, async (srv) => {
    const c = await WireClient.connect(srv.port);
    c.send('HELO 1\nHELO 2\nHELO 3\nHELO 4\n');
    for (const n of [1, 2, 3]) await c.expect(frame.helo(String(n), srv.port));
    await c.expect(frame.error(11, 'Too many requests: over 5 requests per second'));
    reached.add(11);
    await new Promise((resolve) => setTimeout(resolve, 450)); // two tokens back
    c.send('HELO again\n');
    await c.expect(frame.helo('again', srv.port));
    c.send('HELO f\n'.repeat(20));
    await c.expectClosed();
  }));

test('12 server full, in all and per address', async () => {
  await withServer(
    { admission: { maxConnections: 1, maxConnectionsPerAddress: 0 } },
    async (srv) => {
      const first = await WireClient.connect(srv.port);
      const second = await WireClient.connect(srv.port);
      await second.expect(frame.error(12, 'Server full: at most 1 connections'));
      await second.expectClosed();
      first.send('HELO still\n');
      await first.expect(frame.helo('still', srv.port));
      first.close();
    },
  );
  await withServer(
    { admission: { maxConnections: 0, maxConnectionsPerAddress: 2 } },
    async (srv) => {
      const cs = [await WireClient.connect(srv.port), await WireClient.connect(srv.port)];
      const third = await WireClient.connect(srv.port);
      await third.expect(frame.error(12, 'Server full: at most 2 connections per address'));
      await third.expectClosed();
      reached.add(12);
      for (const c of cs) c.close();
      // A slot freed is a slot again.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await WireClient.connect(srv.port);
      again.send('HELO back\n');
      await again.expect(frame.helo('back', srv.port));
      again.close();
    },
  );
});

test('13 idle timeout holds before the first byte too: silent sockets do not keep slots', () =>
  withServer(
    {
      limits: { idleTimeoutMs: 200 },
      admission: { maxConnections: 1, maxConnectionsPerAddress: 0 },
    },
    async (srv) => {
      const silent = await WireClient.connect(srv.port);
      await silent.expect(frame.error(13, 'Idle timeout: nothing received for 200 ms'));
      await silent.expectClosed();
      await waitFor(() => srv.acceptor.admittedCount === 0, 1000, 'the slot to be released');
      const next = await WireClient.connect(srv.port);
      next.send('HELO in\n');
      await next.expect(frame.helo('in', srv.port));
      next.close();
    },
  ));

test('13 idle timeout closes a silent connection, with leave notices', () =>
  withServer({ limits: { idleTimeoutMs: 300 } }, async (srv) => {
    const quiet = await WireClient.connect(srv.port);
    const talker = await WireClient.connect(srv.port);
    const j = await joinRoom(quiet, 'idle-room', 'sleepy');
    const t = await joinRoom(talker, 'idle-room', 'busy');
    await quiet.expect(frame.joinedNotice(j.roomRef, 'busy'));
    const started = Date.now();
    for (let i = 0; i < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      talker.send('HELO keepalive\n');
      await talker.expect(frame.helo('keepalive', srv.port));
    }
    await quiet.expect(frame.error(13, 'Idle timeout: nothing received for 300 ms'));
    assert.ok(Date.now() - started >= 150, 'not before the timeout');
    await quiet.expectClosed();
    reached.add(13);
    await talker.expect(frame.leftNotice(t.roomRef, 'sleepy'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    talker.send('HELO still talking\n'); // it spoke within every 300 ms, so it stays
    await talker.expect(frame.helo('still talking', srv.port));
    talker.close();
  }));

test('docs/protocol.md lists every code with the description the server sends', async () => {
  const doc = await readFile(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const rows = doc.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));
  for (const code of Object.values(ErrorCode)) {
    const row = rows.find((cells) => cells[1] === String(code));
    assert.equal(row?.[2], errorDescriptions[code], `code ${code} in docs/protocol.md`);
  }
});

test('every code but 14 (tested in kill-service.test.ts) was reached above', () => {
  const expected = Object.values(ErrorCode).filter((c) => c !== ErrorCode.ShuttingDown);
  assert.deepEqual(
    [...reached].sort((a, b) => a - b),
    expected,
  );
});
