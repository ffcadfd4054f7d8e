/**
 * T12: every error code of docs/protocol.md reached over a real socket, with the exact reply,
 * and the connection still usable afterwards where the code allows it. Each test opens its
 * own connections and rooms and reads every id from the server's replies, so any one of them
 * runs alone (`--test-name-pattern`).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, afterEach, before, describe, test } from 'node:test';
import { ErrorCode, errorDescriptions } from '../../src/protocol/errors.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer, type TestServer, type TestServerOptions } from '../helpers/server.js';
import { joinRoom } from '../helpers/session.js';
import { keepAliveUntil, waitUntil } from '../helpers/wait.js';
import { WireClient } from '../helpers/wire-client.js';

/** The codes a test below is written for; checked against the code table at the end. */
const tested = new Set<number>();

/** A test of one error code, named by it. */
function codeTest(code: ErrorCode, title: string, body: () => Promise<void>): void {
  tested.add(code);
  test(`${code} ${title}`, body);
}

/** Expects the error reply, then checks the connection still answers HELO. */
async function expectError(
  c: WireClient,
  port: number,
  code: number,
  description: string,
): Promise<void> {
  await c.expect(frame.error(code, description));
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
  let open: WireClient[] = [];
  const connect = async (): Promise<WireClient> => {
    const c = await WireClient.connect(srv.port);
    open.push(c);
    return c;
  };
  before(async () => {
    srv = await startServer({
      limits: {
        maxRequestBytes: 1024,
        maxMessageBytes: 64,
        maxNameBytes: 16,
        maxRoomsPerConnection: 2,
      },
    });
  });
  afterEach(() => {
    for (const c of open) c.close();
    open = [];
  });
  after(() => srv.close());

  codeTest(1, 'invalid message format: unknown request, missing field, bad number', async () => {
    const c = await connect();
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

  codeTest(2, 'no chat room with that ROOM_REF', async () => {
    const c = await connect();
    c.send(request.chat(9999, 1, 'a', 'm'));
    await expectError(c, srv.port, 2, 'No chat room with that ROOM_REF: ROOM_REF 9999');
    c.send(request.leave(9999, 1, 'a'));
    await expectError(c, srv.port, 2, 'No chat room with that ROOM_REF: ROOM_REF 9999');
  });

  codeTest(3, 'unknown user: a JOIN_ID never issued', async () => {
    const c = await connect();
    const j = await joinRoom(c, 'errors-3', 'alice');
    c.send(request.chat(j.roomRef, 424242, 'alice', 'm'));
    await expectError(c, srv.port, 3, 'Unknown user: JOIN_ID 424242');
  });

  codeTest(4, 'a JOIN_ID of another connection (T8)', async () => {
    const [c, other] = [await connect(), await connect()];
    const theirs = await joinRoom(other, 'errors-4', 'bob');
    c.send(request.chat(theirs.roomRef, theirs.joinId, 'bob', 'spoof'));
    await expectError(
      c,
      srv.port,
      4,
      `JOIN_ID belongs to another connection: JOIN_ID ${theirs.joinId}`,
    );
    await other.expectNothing(); // the spoofed chat reached nobody
  });

  codeTest(5, 'CHAT to a room the connection is not in', async () => {
    const [c, other] = [await connect(), await connect()];
    const elsewhere = await joinRoom(other, 'errors-5-theirs', 'bob');
    const mine = await joinRoom(c, 'errors-5-mine', 'alice');
    c.send(request.chat(elsewhere.roomRef, mine.joinId, 'alice', 'not mine'));
    await expectError(
      c,
      srv.port,
      5,
      `Not a member of that chat room: ROOM_REF ${elsewhere.roomRef}`,
    );
    await other.expectNothing();
  });

  codeTest(6, 'request too large', async () => {
    const c = await connect();
    c.send(`JOIN_CHATROOM: ${'r'.repeat(2000)}\n`);
    await expectError(c, srv.port, 6, 'Request too large: over 1024 bytes');
  });

  codeTest(7, 'message too large', async () => {
    const c = await connect();
    const j = await joinRoom(c, 'errors-7', 'alice');
    c.send(request.chat(j.roomRef, j.joinId, 'alice', 'm'.repeat(100)));
    await expectError(c, srv.port, 7, 'Message too large: over 64 bytes'); // no echo before HELO's
  });

  codeTest(8, 'too many rooms for this connection', async () => {
    const c = await connect();
    await joinRoom(c, 'errors-8-first', 'alice');
    await joinRoom(c, 'errors-8-second', 'alice');
    c.send(request.join('errors-8-third', 'alice'));
    await expectError(c, srv.port, 8, 'Too many chat rooms for this connection: at most 2');
  });

  codeTest(10, 'invalid name: empty or too long', async () => {
    const c = await connect();
    c.send(request.join('', 'alice'));
    await expectError(c, srv.port, 10, 'Invalid name: empty room name');
    c.send(request.join('room', 'n'.repeat(17)));
    await expectError(c, srv.port, 10, 'Invalid name: CLIENT_NAME over 16 bytes');
    // The same bound on the CLIENT_NAME of a CHAT or a LEAVE: nothing is relayed.
    const bob = await connect();
    const first = await joinRoom(bob, 'errors-10-a', 'bob');
    const j = await joinRoom(bob, 'errors-10-b', 'bob');
    bob.send(request.chat(j.roomRef, j.joinId, 'b'.repeat(17), 'hi'));
    await expectError(bob, srv.port, 10, 'Invalid name: CLIENT_NAME over 16 bytes');
    bob.send(request.leave(j.roomRef, j.joinId, 'b'.repeat(17)));
    await expectError(bob, srv.port, 10, 'Invalid name: CLIENT_NAME over 16 bytes');
    // DISCONNECT has no reply: an unusable name gives way to the name the room was joined with.
    bob.send(request.disconnect('b'.repeat(17)));
    await bob.expect(frame.leftNotice(first.roomRef, 'bob') + frame.leftNotice(j.roomRef, 'bob'));
    await bob.expectClosed();
  });
});

codeTest(15, 'too many chat rooms on this server; existing rooms can still be joined', () =>
  withServer({ limits: { maxRooms: 2 } }, async (srv) => {
    const c = await WireClient.connect(srv.port);
    const first = await joinRoom(c, 'first', 'a');
    await joinRoom(c, 'second', 'a');
    c.send(request.join('third', 'a'));
    await expectError(c, srv.port, 15, 'Too many chat rooms on this server: at most 2');
    const d = await WireClient.connect(srv.port);
    const again = await joinRoom(d, 'first', 'd');
    assert.equal(again.roomRef, first.roomRef);
    c.close();
    d.close();
  }),
);

codeTest(9, 'KILL_SERVICE not permitted', () =>
  withServer({ killPolicy: 'off' }, async (srv) => {
    const c = await WireClient.connect(srv.port);
    c.send('KILL_SERVICE\n');
    await expectError(c, srv.port, 9, "KILL_SERVICE not permitted: policy is 'off'");
    c.close();
  }),
);

codeTest(12, 'server full, in all and per address; a slot freed is a slot again', async () => {
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
    { admission: { maxConnections: 0, maxConnectionsPerAddress: 2, exemptLoopback: false } },
    async (srv) => {
      const cs = [await WireClient.connect(srv.port), await WireClient.connect(srv.port)];
      const third = await WireClient.connect(srv.port);
      await third.expect(frame.error(12, 'Server full: at most 2 connections per address'));
      await third.expectClosed();
      for (const c of cs) c.close();
      await waitUntil(() => srv.acceptor.admittedCount === 0, 'the two slots to be released');
      const again = await WireClient.connect(srv.port);
      again.send('HELO back\n');
      await again.expect(frame.helo('back', srv.port));
      again.close();
    },
  );
});

codeTest(13, 'idle timeout holds before the first byte too: silent sockets do not keep slots', () =>
  withServer(
    {
      limits: { idleTimeoutMs: 200 },
      admission: { maxConnections: 1, maxConnectionsPerAddress: 0 },
    },
    async (srv) => {
      const silent = await WireClient.connect(srv.port);
      await silent.expect(frame.error(13, 'Idle timeout: nothing received for 200 ms'));
      await silent.expectClosed();
      await waitUntil(() => srv.acceptor.admittedCount === 0, 'the slot to be released');
      const next = await WireClient.connect(srv.port);
      next.send('HELO in\n');
      await next.expect(frame.helo('in', srv.port));
      next.close();
    },
  ),
);

codeTest(13, 'idle timeout closes a silent connection, with leave notices', () => {
  const idleMs = 300;
  return withServer({ limits: { idleTimeoutMs: idleMs } }, async (srv) => {
    const quiet = await WireClient.connect(srv.port);
    const talker = await WireClient.connect(srv.port);
    const talkerSince = performance.now();
    const quietSince = performance.now(); // before its last byte: the server's clock starts later
    const j = await joinRoom(quiet, 'idle-room', 'sleepy');
    const t = await joinRoom(talker, 'idle-room', 'busy');
    await quiet.expect(frame.joinedNotice(j.roomRef, 'busy'));
    // The talker speaks every idleMs / 6 (a HELO round trip); what else it receives on the way
    // is kept: exactly sleepy's leave notice must be among it.
    const besides: string[] = [];
    let n = 0;
    const keepAlive = async (): Promise<void> => {
      const text = `keepalive ${++n}`;
      talker.send(`HELO ${text}\n`);
      for (;;) {
        const r = await talker.nextReply();
        if (r.raw === frame.helo(text, srv.port)) return;
        besides.push(r.raw);
      }
    };
    const every = { everyMs: idleMs / 6, timeoutMs: 5000 };
    await keepAliveUntil(() => quiet.closed, keepAlive, 'the quiet connection to close', every);
    const quietFor = performance.now() - quietSince;
    // The error, then the close; not before the timeout (2 ms: the two clocks' rounding).
    await quiet.expect(frame.error(13, `Idle timeout: nothing received for ${idleMs} ms`));
    assert.ok(quietFor >= idleMs - 2, `closed after ${quietFor} ms of silence`);
    // The talker spoke well within every idleMs, so it stays: keep it up until it has lived
    // two timeouts, then it still answers.
    await keepAliveUntil(
      () => besides.length > 0 && performance.now() - talkerSince >= 2 * idleMs,
      keepAlive,
      'two idle timeouts of the talker',
      every,
    );
    assert.deepEqual(besides, [frame.leftNotice(t.roomRef, 'sleepy')]);
    talker.send('HELO still talking\n');
    await talker.expect(frame.helo('still talking', srv.port));
    talker.close();
  });
});

test('docs/protocol.md lists every code with the description the server sends', async () => {
  const doc = await readFile(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
  const rows = doc.split('\n').map((line) => line.split('|').map((cell) => cell.trim()));
  for (const code of Object.values(ErrorCode)) {
    const row = rows.find((cells) => cells[1] === String(code));
    assert.equal(row?.[2], errorDescriptions[code], `code ${code} in docs/protocol.md`);
  }
});

test('every code has a test here but 14 (kill-service.test.ts), 16 and 17 (test/cluster/)', () => {
  const elsewhere: number[] = [ErrorCode.ShuttingDown, ErrorCode.Unavailable, ErrorCode.OrderLost];
  const expected = Object.values(ErrorCode).filter((c) => !elsewhere.includes(c));
  assert.deepEqual(
    [...tested].sort((a, b) => a - b),
    expected,
  );
});
