/**
 * The programmatic client against a real roomcast server on port 0: requests as promises,
 * events as an async iterable, errors, and seed 003's alternative endpoint with two servers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RoomcastClient } from '../../src/client/client.js';
import { ClientError, ServerError } from '../../src/client/errors.js';
import type { EventQueue } from '../../src/client/event-queue.js';
import type { ClientEvent } from '../../src/client/types.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { frame } from '../helpers/frames.js';
import { request } from '../../src/protocol/tcd-request-text.js';

let srv: TestServer;
const clients: RoomcastClient[] = [];
before(async () => {
  srv = await startServer();
});
after(async () => {
  for (const c of clients) c.close();
  await srv.close();
});

async function connect(name: string, port = srv.port): Promise<RoomcastClient> {
  const c = await RoomcastClient.connect({ host: '127.0.0.1', port, name, timeoutMs: 2000 });
  clients.push(c);
  return c;
}

/** The next event that `keep` accepts, within a time limit. */
async function nextEvent(
  events: EventQueue<ClientEvent>,
  keep: (e: ClientEvent) => boolean = () => true,
  ms = 2000,
): Promise<ClientEvent> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('no event in time')), Math.max(left, 0));
    });
    const r = await Promise.race([events.next(), timeout]).finally(() => clearTimeout(timer));
    if (r.done === true) throw new Error('event stream ended');
    if (keep(r.value)) return r.value;
  }
}

const isChat = (e: ClientEvent): e is Extract<ClientEvent, { type: 'chat' }> => e.type === 'chat';

test('helo, join, chat echo, leave and disconnect', async () => {
  const alice = await connect('alice');
  const events = alice.events();
  const helo = await alice.helo('hi there');
  assert.deepEqual(helo, {
    text: 'hi there',
    ip: '127.0.0.1',
    port: String(srv.port),
    studentId: 'test-id',
  });
  const info = await alice.join('lib-room');
  assert.equal(info.room, 'lib-room');
  assert.match(info.roomRef, /^\d+$/);
  assert.deepEqual(alice.joinedRooms(), [info]);
  assert.deepEqual(await nextEvent(events, (e) => e.type !== 'helo'), {
    type: 'joined',
    room: info,
  });
  const notice = await nextEvent(events);
  assert.ok(isChat(notice));
  assert.equal(notice.notice, 'joined');
  assert.equal(notice.room, 'lib-room');

  await alice.chat('lib-room', 'hello\nsecond line'); // resolves on the echo (T1)
  const echo = await nextEvent(events);
  assert.ok(isChat(echo));
  assert.deepEqual(
    [echo.from, echo.message, echo.notice],
    ['alice', 'hello\nsecond line', undefined],
  );

  await alice.leave('lib-room');
  assert.equal((await nextEvent(events)).type, 'left');
  const leftNotice = await nextEvent(events);
  assert.ok(isChat(leftNotice) && leftNotice.notice === 'left' && leftNotice.room === 'lib-room');
  assert.deepEqual(alice.joinedRooms(), []);

  await alice.disconnect();
  assert.deepEqual(await nextEvent(events), {
    type: 'closed',
    endpoint: `127.0.0.1:${srv.port}`,
    expected: true,
  });
  assert.equal((await events.next()).done, true);
  assert.equal(alice.isOpen, false);
});

test('chats from others arrive per room, multi-line messages intact', async () => {
  const alice = await connect('alice');
  const bob = await connect('bob');
  const events = alice.events();
  await alice.join('lib-a');
  await alice.join('lib-b');
  await bob.join('lib-b');
  await bob.chat('lib-b', 'line one\nline two\n  indented three');
  const got = await nextEvent(
    events,
    (e) => isChat(e) && e.from === 'bob' && e.notice === undefined,
  );
  assert.ok(isChat(got));
  assert.equal(got.room, 'lib-b');
  assert.equal(got.message, 'line one\nline two\n  indented three');
  // async iteration with for await, ended by the disconnect
  const seen: string[] = [];
  const loop = (async () => {
    for await (const e of bob) if (e.type === 'chat') seen.push(`${e.room ?? '?'}:${e.message}`);
  })();
  await alice.chat('lib-b', 'to bob');
  await bob.disconnect();
  await loop;
  assert.deepEqual(seen, ['lib-b:to bob', 'lib-b:bob has left this chatroom.']);
  alice.close();
});

test('errors: refused locally, and ERROR_CODE as a rejection and an event', async () => {
  const carol = await connect('carol');
  const events = carol.events();
  await assert.rejects(carol.chat('nowhere', 'x'), ClientError);
  await assert.rejects(carol.leave('nowhere'), ClientError);
  await assert.rejects(carol.join(' '), ClientError);
  await carol.join('lib-err');
  await assert.rejects(carol.chat('lib-err', 'a\n\nb'), ClientError); // blank line ends a CHAT
  const long = 'r'.repeat(300); // over the server's 256-byte name limit: error 10
  await assert.rejects(
    carol.join(long),
    (err: unknown) => err instanceof ServerError && err.code === 10,
  );
  const error = await nextEvent(events, (e) => e.type === 'error');
  assert.deepEqual(error, {
    type: 'error',
    code: 10,
    description: 'Invalid name: room name over 256 bytes',
    request: 'join',
    subject: long,
  });
  await carol.chat('lib-err', 'still usable'); // the session goes on (T12)
  carol.close();
});

test('an error while a chat is outstanding is matched to the right request', async () => {
  const dave = await connect('dave');
  await dave.join('lib-order');
  // Pipelined: the chat goes through (echo), the join is refused (error): each gets its own.
  const [chat, join] = await Promise.allSettled([
    dave.chat('lib-order', 'ok'),
    dave.join('x'.repeat(300)),
  ]);
  assert.equal(chat.status, 'fulfilled');
  assert.equal(join.status, 'rejected');
  dave.close();
});

test('server closing the connection ends the stream with an unexpected close', async () => {
  const other = await startServer();
  try {
    const erin = await connect('erin', other.port);
    const events = erin.events();
    await erin.join('lib-close');
    await other.close();
    const closed = await nextEvent(events, (e) => e.type === 'closed');
    assert.deepEqual(closed, {
      type: 'closed',
      endpoint: `127.0.0.1:${other.port}`,
      expected: false,
    });
    await assert.rejects(erin.chat('lib-close', 'x'), ClientError);
  } finally {
    await other.close();
  }
});

test("alternative endpoint (seed 003): the room's traffic moves to the server JOINED names", async () => {
  const roomServer = await startServer();
  const front = await startServer({ advertiseHost: '127.0.0.1', advertisePort: roomServer.port });
  try {
    const frank = await connect('frank', front.port);
    const events = frank.events();
    const info = await frank.join('lib-alt');
    assert.equal(info.endpoint, `127.0.0.1:${roomServer.port}`);
    assert.deepEqual(await nextEvent(events), { type: 'joined', room: info });

    const local = await WireClient.connect(roomServer.port);
    local.send(request.join('lib-alt', 'gina'));
    const joined = await local.nextReply();
    assert.equal(joined.type, 'joined');
    await local.nextReply(); // gina's own join notice
    await frank.chat('lib-alt', 'via the room server');
    await local.expect(frame.chat(Number(info.roomRef), 'frank', 'via the room server'));
    local.send(
      request.chat(info.roomRef, joined.type === 'joined' ? joined.joinId : '', 'gina', 'hi frank'),
    );
    const got = await nextEvent(
      events,
      (e) => isChat(e) && e.from === 'gina' && e.notice === undefined,
    );
    assert.ok(isChat(got) && got.room === 'lib-alt');
    await local.expect(frame.chat(Number(info.roomRef), 'gina', 'hi frank'));

    // One membership: the front server's room was left after the hand-off.
    const frontRoom = front.server.rooms.get(1);
    assert.equal(frontRoom?.members.size ?? 0, 0);
    await frank.leave('lib-alt');
    await local.expect(frame.leftNotice(Number(info.roomRef), 'frank'));
    await frank.disconnect();
    local.close();
  } finally {
    await Promise.all([front.close(), roomServer.close()]);
  }
});

test('alternative endpoint unreachable: a warning, and the room stays where it was joined', async () => {
  const front = await startServer({ advertiseHost: '127.0.0.1', advertisePort: 1 });
  try {
    const hal = await connect('hal', front.port);
    const events = hal.events();
    const info = await hal.join('lib-unreach');
    assert.equal(info.endpoint, `127.0.0.1:${front.port}`);
    const warning = await nextEvent(events);
    assert.equal(warning.type, 'warning');
    await hal.chat('lib-unreach', 'still here');
    hal.close();
  } finally {
    await front.close();
  }
});
