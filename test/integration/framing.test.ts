/** T11 over real sockets: multi-line messages, whole sessions pipelined or byte by byte. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TcdParser } from '../../src/protocol/tcd-parse.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';

let srv: TestServer;
before(async () => {
  srv = await startServer();
});
after(() => srv.close());

/** A whole session's requests and the exact bytes a lone client must get back. */
function session(room: string, ref: number, id: number): { input: string; output: string } {
  const message = 'line one\nline two ✓\n  indented three\nfour: with a colon\nfive 😀';
  return {
    input:
      'HELO split test\r\n' +
      request.join(room, 'solo') +
      request.chat(ref, id, 'solo', message) +
      request.leave(ref, id, 'solo') +
      request.disconnect('solo'),
    output:
      frame.helo('split test', srv.port) +
      frame.joined(room, srv.port, ref, id) +
      frame.joinedNotice(ref, 'solo') +
      frame.chat(ref, 'solo', message) +
      frame.left(ref, id) +
      frame.leftNotice(ref, 'solo'),
  };
}

test('T11 a five-line MESSAGE reaches every member intact', async () => {
  const a = await WireClient.connect(srv.port);
  const b = await WireClient.connect(srv.port);
  const ja = await joinRoom(a, 'multi', 'alice');
  await joinRoom(b, 'multi', 'bob');
  await a.expect(frame.joinedNotice(ja.roomRef, 'bob'));
  const text = '1st\n2nd has CHAT: 9 in it\n\t3rd\n4th JOIN_ID: 77\n5th';
  a.send(request.chat(ja.roomRef, ja.joinId, 'alice', text));
  for (const c of [a, b]) await c.expect(frame.chat(ja.roomRef, 'alice', text));
  a.close();
  b.close();
});

test('T11 a whole session pipelined in one segment', async () => {
  const c = await WireClient.connect(srv.port);
  const probe = await WireClient.connect(srv.port);
  // JOIN_IDs are issued in order, so the probe's tells the id this pipelined JOIN will get;
  // the probe stays in the room, so the room keeps its ref (T7).
  const j = await joinRoom(probe, 'pipelined', 'probe');
  const s = session('pipelined', j.roomRef, j.joinId + 1);
  c.send(s.input);
  await c.expect(s.output);
  await c.expectClosed();
  probe.close();
});

test('T11 a whole session one byte per segment', async () => {
  const c = await WireClient.connect(srv.port);
  const probe = await WireClient.connect(srv.port);
  const j = await joinRoom(probe, 'bytewise', 'probe');
  const s = session('bytewise', j.roomRef, j.joinId + 1);
  await c.sendByteByByte(s.input);
  await c.expect(s.output);
  await c.expectClosed();
  probe.close();
});

test('T11 a peer quiet mid-request is looked at once, not woken every quiet period', async () => {
  const quietMs = 20;
  const quietSrv = await startServer({ quietMs });
  const original = Object.getOwnPropertyDescriptor(TcdParser.prototype, 'quiet');
  const quiet = original?.value as (this: TcdParser) => ReturnType<TcdParser['quiet']>;
  let calls = 0;
  Object.defineProperty(TcdParser.prototype, 'quiet', {
    configurable: true,
    value(this: TcdParser) {
      calls++;
      return quiet.call(this);
    },
  });
  try {
    const c = await WireClient.connect(quietSrv.port);
    // Quiet mid-line, and the part line completes nothing: looked at once, then left alone.
    c.send('JOIN_CHATROOM: r\nCLIENT_IP: 0\nPO');
    await new Promise((resolve) => setTimeout(resolve, quietMs * 15));
    assert.equal(calls, 1);
    c.send('RT: 0\nCLIENT_NAME: late\n'); // new bytes: served as usual
    const reply = await c.nextReply();
    assert.equal(reply.type, 'joined');
    c.close();
  } finally {
    if (original !== undefined) Object.defineProperty(TcdParser.prototype, 'quiet', original);
    await quietSrv.close();
  }
});
