/**
 * Redis failing under a running service, with a redis-server of the test's own (never the
 * shared one): two roomcast processes, members on both.
 *
 * - Frozen (SIGSTOP: connected, silent), down (refused) or gone with its subscribers: every
 *   request that needs it gets ERROR_CODE 16 within --redis-timeout-ms, never silence; HELO
 *   is still answered; when it answers again, the service goes on, and a chat of node A
 *   reaches node B (pub/sub resubscribed after the reconnect, and what was published while a
 *   subscriber was away is fetched from the room's log): each event once, in order (T13).
 * - Back empty (it keeps nothing on disk): the nodes see the epoch is gone, members of the
 *   rooms that existed get ERROR_CODE 17 and are closed, and identifiers start past every
 *   one issued before (T7: no JOIN_ID or ROOM_REF given twice).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Script } from '../../src/cluster/redis-link.js';
import { stopScript } from '../../src/cluster/scripts.js';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { nodeLogs, startNodeCluster, type NodeCluster } from '../helpers/node-cluster.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { PrivateRedis } from '../helpers/redis.js';
import { joinRoom, type Joined } from '../helpers/session.js';
import { waitUntil } from '../helpers/wait.js';
import { WireClient } from '../helpers/wire-client.js';

const REDIS_TIMEOUT_MS = 600;
/** Any reply while Redis fails comes within its timeout and this (two round trips at most). */
const REPLY_BOUND_MS = 2 * REDIS_TIMEOUT_MS + 1000;
const unavailable = /^ERROR_CODE: 16\nERROR_DESCRIPTION: Service unavailable: [^\n]+\n$/;

/** Sends `text` and returns the next reply, which must come within REPLY_BOUND_MS. */
async function ask(c: WireClient, text: string): Promise<TcdReply> {
  c.send(text);
  return c.nextReply(REPLY_BOUND_MS);
}

function assertUnavailable(reply: TcdReply, what: string): void {
  assert.match(reply.raw, unavailable, `${what}: error 16`);
}

/** alice on node A and bob on node B, in one room. */
async function aliceAndBob(
  cluster: NodeCluster,
  room: string,
): Promise<{ alice: WireClient; bob: WireClient; ja: Joined; jb: Joined }> {
  const alice = await cluster.connect(0);
  const bob = await cluster.connect(1);
  const ja = await joinRoom(alice, room, 'alice');
  const jb = await joinRoom(bob, room, 'bob');
  await alice.expect(frame.joinedNotice(ja.roomRef, 'bob'));
  return { alice, bob, ja, jb };
}

/** How many times node `i` logged that its Redis connection `role` came back. */
function backCount(cluster: NodeCluster, i: number, role: 'commands' | 'subscriber'): number {
  const back = new RegExp(`"role":"${role}".*"msg":"redis connection back"`);
  return cluster.nodes[i]?.logged(back).length ?? 0;
}

describe('Redis frozen, its subscribers cut, restarted with its data', () => {
  let redis: PrivateRedis;
  let cluster: NodeCluster;
  before(async () => {
    redis = await PrivateRedis.start();
    cluster = await startNodeCluster({
      what: 'outage',
      url: redis.url,
      nodes: 2,
      redisTimeoutMs: REDIS_TIMEOUT_MS,
    });
  });
  after(async () => {
    await redis.close();
    await cluster.close();
  });

  test('frozen: error 16 within the timeout, HELO still answered; thawed, the service goes on', async () => {
    const { alice, bob, ja } = await aliceAndBob(cluster, 'frozen');
    const dave = await cluster.connect(1);
    redis.freeze();
    try {
      assertUnavailable(
        await ask(alice, request.chat(ja.roomRef, ja.joinId, 'alice', 'lost?')),
        'CHAT',
      );
      assertUnavailable(await ask(dave, request.join('frozen', 'dave')), 'first JOIN');
      dave.send(request.helo('still there'));
      await dave.expect(frame.helo('still there', cluster.nodes[1]?.port ?? 0));
    } finally {
      redis.thaw();
    }
    // Redis may yet run the chat it was sent before it froze (the node could not know): bob
    // gets it at most once, before what follows.
    alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'thawed'));
    const thawed = frame.chat(ja.roomRef, 'alice', 'thawed');
    const lost = frame.chat(ja.roomRef, 'alice', 'lost?');
    for (const c of [alice, bob]) {
      const first = await c.nextReply(5000);
      if (first.raw === lost) await c.expect(thawed);
      else assert.equal(first.raw, thawed);
      await c.expectNothing();
    }
    const jd = await joinRoom(dave, 'frozen', 'dave');
    assert.equal(jd.roomRef, ja.roomRef);
    for (const c of [alice, bob]) await c.expect(frame.joinedNotice(ja.roomRef, 'dave'));
  });

  test("subscribers cut while chats flow: what was published meanwhile comes from the room's log", async () => {
    const { alice, bob, ja } = await aliceAndBob(cluster, 'cut');
    const back = (): number =>
      backCount(cluster, 0, 'subscriber') + backCount(cluster, 1, 'subscriber');
    const backBefore = back();
    const chats = (from: number, n: number): { text: string; frames: string } => {
      let text = '';
      let frames = '';
      for (let i = from; i < from + n; i++) {
        text += request.chat(ja.roomRef, ja.joinId, 'alice', `flow.${i}`);
        frames += frame.chat(ja.roomRef, 'alice', `flow.${i}`);
      }
      return { text, frames };
    };
    const before = chats(0, 5);
    alice.send(before.text);
    for (const c of [alice, bob]) await c.expect(before.frames);
    // Every subscriber connection (both nodes') is dropped, and kept from coming back (a
    // password the connections made before it need not give), while alice's next chats are
    // published: no later event shows a gap, so only the catch-up from the room's log at the
    // reconnect can bring them.
    const seqKey = [`${cluster.prefix}room:${ja.roomRef}`, 'seq'];
    const seqBefore = Number(await cluster.redis(['HGET', ...seqKey]));
    await cluster.redis(['CONFIG', 'SET', 'requirepass', 'for-a-while']);
    const cut = await cluster.redis(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
    const during = chats(5, 10);
    alice.send(during.text);
    await cluster.until(
      async () => Number(await cluster.redis(['HGET', ...seqKey])) === seqBefore + 10,
      'the chats published',
    );
    await cluster.redis(['CONFIG', 'SET', 'requirepass', '']);
    assert.ok(Number(cut) >= 2, `subscriber connections cut: ${String(cut)}`);
    await waitUntil(() => back() >= backBefore + 2, 'both subscribers back');
    for (const c of [alice, bob]) await c.expect(during.frames, 5000);
    // And live again (T13: each once, in order).
    const after = chats(15, 5);
    alice.send(after.text);
    for (const c of [alice, bob]) await c.expect(after.frames);
    for (const c of [alice, bob]) await c.expectNothing();
    const caughtUp = cluster.nodes.map((n) => n.logged(/"msg":"catching rooms up"/).length);
    console.log(
      `subscribers cut: 20 chats, all delivered in order; catch-ups ${caughtUp.join(', ')}`,
    );
  });

  test("a room's log Redis will not read for a while: the JOIN waiting on it still completes", async () => {
    const alice = await cluster.connect(0);
    const ja = await joinRoom(alice, 'unread', 'alice');
    // Node B has nobody in the room: bob's join event is published before node B subscribes,
    // so it can only come from the log, which Redis refuses to read for now (XRANGE denied
    // to the connections already made: the refusal a slow Redis's timeouts would give).
    await cluster.redis(['ACL', 'SETUSER', 'default', '-xrange']);
    const bob = await cluster.connect(1);
    try {
      bob.send(request.join('unread', 'bob'));
      await alice.expect(frame.joinedNotice(ja.roomRef, 'bob'));
      await cluster.nodes[1]?.waitForLog(/"msg":"cannot fetch a room log yet"/);
    } finally {
      await cluster.redis(['ACL', 'SETUSER', 'default', '+xrange']);
    }
    // Nothing else happens in the room: the node must look at the log again by itself.
    const reply = await bob.nextReply(5000);
    assert.equal(reply.type, 'joined', reply.raw);
    await bob.expect(frame.joinedNotice(ja.roomRef, 'bob'));
    alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'read again'));
    for (const c of [alice, bob]) await c.expect(frame.chat(ja.roomRef, 'alice', 'read again'));
  });

  test('a JOIN Redis carries out after its error 16 is undone: the others see it come and go; joining again works', async () => {
    const alice = await cluster.connect(0);
    const ja = await joinRoom(alice, 'late-join', 'alice');
    const dave = await cluster.connect(1);
    await joinRoom(dave, 'own room', 'dave'); // its JOIN_ID is issued: the JOIN is one script
    // Redis holds every write for longer than the node's timeout, then carries them out.
    await cluster.redis(['CLIENT', 'PAUSE', String(3 * REDIS_TIMEOUT_MS), 'WRITE']);
    assertUnavailable(await ask(dave, request.join('late-join', 'dave')), 'JOIN');
    // It ran after all, and its undo right after it: dave is in no room it was refused.
    const cameAndWent =
      frame.joinedNotice(ja.roomRef, 'dave') + frame.leftNotice(ja.roomRef, 'dave');
    await alice.expect(cameAndWent, 5000);
    await dave.expectNothing();
    const members = `${cluster.prefix}room:${ja.roomRef}:members`;
    assert.deepEqual(await cluster.redis(['HKEYS', members]), [String(ja.joinId)]);
    // Asked again, it joins as any JOIN does (T2), the same ref for the name.
    const jd = await joinRoom(dave, 'late-join', 'dave');
    assert.equal(jd.roomRef, ja.roomRef);
    await alice.expect(frame.joinedNotice(ja.roomRef, 'dave'));
    dave.send(request.chat(jd.roomRef, jd.joinId, 'dave', 'in at last'));
    for (const c of [alice, dave]) await c.expect(frame.chat(ja.roomRef, 'dave', 'in at last'));
    for (const c of [alice, dave]) await c.expectNothing();
  });

  test('a JOIN sent again right after its error 16, where the node follows the room: in once, told once; the others see the first come and go', async () => {
    const alice = await cluster.connect(0);
    const ja = await joinRoom(alice, 'resent', 'alice');
    const carol = await cluster.connect(1);
    await joinRoom(carol, 'resent', 'carol'); // node B follows the room: every event comes
    await alice.expect(frame.joinedNotice(ja.roomRef, 'carol'));
    // An empty script cache, as after a restart: the undo is a script Redis has not seen.
    await cluster.redis(['SCRIPT', 'FLUSH']);
    const dave = await cluster.connect(1);
    await joinRoom(dave, 'own room', 'dave'); // its JOIN_ID is issued: the JOIN is one script
    // Writes held a little longer than the node waits: the first JOIN is given up on, the
    // one sent right after its error 16 is (normally) answered in time.
    await cluster.redis(['CLIENT', 'PAUSE', String(REDIS_TIMEOUT_MS + 300), 'WRITE']);
    assertUnavailable(await ask(dave, request.join('resent', 'dave')), 'JOIN');
    let refused = 1;
    let reply = await ask(dave, request.join('resent', 'dave'));
    for (; reply.type === 'error'; refused++) {
      assertUnavailable(reply, `JOIN again (${refused})`);
      assert.ok(refused < 5, 'never joined');
      reply = await ask(dave, request.join('resent', 'dave'));
    }
    const port = cluster.nodes[1]?.port ?? 0;
    assert.equal(reply.type, 'joined', reply.raw);
    const joinId = reply.type === 'joined' ? Number(reply.joinId) : 0;
    assert.equal(reply.raw, frame.joined('resent', port, ja.roomRef, joinId));
    // Each JOIN refused was carried out late and undone: the others see it come and go, then
    // dave's JOIN; dave sees its own join once (not one refused JOIN's as well), and stays.
    const cameAndWent =
      frame.joinedNotice(ja.roomRef, 'dave') + frame.leftNotice(ja.roomRef, 'dave');
    const seenByOthers = cameAndWent.repeat(refused) + frame.joinedNotice(ja.roomRef, 'dave');
    for (const c of [alice, carol]) await c.expect(seenByOthers, 5000);
    await dave.expect(frame.joinedNotice(ja.roomRef, 'dave'));
    dave.send(request.chat(ja.roomRef, joinId, 'dave', 'in once'));
    for (const c of [alice, carol, dave]) await c.expect(frame.chat(ja.roomRef, 'dave', 'in once'));
    for (const c of [alice, carol, dave]) await c.expectNothing();
    const members = await cluster.redis(['HKEYS', `${cluster.prefix}room:${ja.roomRef}:members`]);
    assert.equal((members as string[]).length, 3);
  });

  test('a LEAVE answered with error 16 is seen through: the leaver is told by its own leave notice', async () => {
    const { alice, bob, ja, jb } = await aliceAndBob(cluster, 'late-leave');
    await cluster.redis(['CLIENT', 'PAUSE', String(3 * REDIS_TIMEOUT_MS), 'WRITE']);
    assertUnavailable(await ask(bob, request.leave(jb.roomRef, jb.joinId, 'bob')), 'LEAVE');
    // Until Redis has it out, bob may not chat there, nor join the room again.
    const chat = await ask(bob, request.chat(jb.roomRef, jb.joinId, 'bob', 'still in?'));
    assert.equal(
      chat.raw,
      frame.error(5, `Not a member of that chat room: ROOM_REF ${jb.roomRef}`),
    );
    assertUnavailable(await ask(bob, request.join('late-leave', 'bob')), 'JOIN while leaving');
    const twice = await ask(bob, request.leave(jb.roomRef, jb.joinId, 'bob'));
    assert.equal(
      twice.raw,
      frame.error(
        16,
        `Service unavailable: ROOM_REF ${jb.roomRef}: the last LEAVE is not done yet; try again`,
      ),
      'LEAVE again while leaving: not LEFT, it is still in',
    );
    // Redis carries the leave out: everyone gets bob's leave notice, once; bob nothing after.
    for (const c of [alice, bob]) await c.expect(frame.leftNotice(ja.roomRef, 'bob'), 5000);
    alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'bob is out'));
    await alice.expect(frame.chat(ja.roomRef, 'alice', 'bob is out'));
    await bob.expectNothing();
    const again = await joinRoom(bob, 'late-leave', 'bob');
    assert.equal(again.roomRef, ja.roomRef);
    await alice.expect(frame.joinedNotice(ja.roomRef, 'bob'));
    for (const c of [alice, bob]) await c.expectNothing();
  });

  test('restarted with its data: error 16 while down, then resubscribed, nobody lost', async () => {
    const { alice, bob, ja, jb } = await aliceAndBob(cluster, 'restart');
    const before = [0, 1].map((i) => backCount(cluster, i, 'commands'));
    await redis.shutdownSaving();
    assertUnavailable(await ask(alice, request.chat(ja.roomRef, ja.joinId, 'alice', 'x')), 'CHAT');
    assertUnavailable(await ask(bob, request.chat(jb.roomRef, jb.joinId, 'bob', 'y')), 'CHAT');
    // Never sent (the node knows Redis is down): not done, nor to be done later; bob stays in.
    assertUnavailable(await ask(bob, request.leave(jb.roomRef, jb.joinId, 'bob')), 'LEAVE');
    await redis.up({ keepData: true });
    await waitUntil(
      () => [0, 1].every((i) => backCount(cluster, i, 'commands') > (before[i] ?? 0)),
      'both nodes reconnected',
    );
    // The refused chats were never carried out; the first one after is, on both nodes (the
    // subscribers came back on their own, resubscribed).
    alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'back'));
    for (const c of [alice, bob]) await c.expect(frame.chat(ja.roomRef, 'alice', 'back'), 5000);
    bob.send(request.chat(jb.roomRef, jb.joinId, 'bob', 'me too'));
    for (const c of [alice, bob]) await c.expect(frame.chat(ja.roomRef, 'bob', 'me too'), 5000);
    for (const c of [alice, bob]) await c.expectNothing();
  });
});

test('Redis back empty: members of old rooms get error 17 and are closed; no id is given twice', async (t) => {
  const redis = await PrivateRedis.start();
  t.after(() => redis.close());
  const cluster = await startNodeCluster({
    what: 'empty',
    url: redis.url,
    nodes: 2,
    redisTimeoutMs: REDIS_TIMEOUT_MS,
  });
  t.after(() => cluster.close());
  try {
    const { alice, bob, ja, jb } = await aliceAndBob(cluster, 'room');
    const jo = await joinRoom(alice, 'other', 'alice');
    // carol and dave are connected, in no room: the loss is nothing to them.
    const carol = await cluster.connect(1);
    const dave = await cluster.connect(0);
    for (const c of [carol, dave]) {
      c.send(request.helo('here'));
      await c.nextReply();
    }

    // Mid-chat, Redis dies: alice's chats get error 16, each in bounded time; bob got
    // exactly those that were echoed, in order.
    let stopped = false;
    let refused = 0;
    const echoed: string[] = [];
    for (let i = 0; refused < 3; i++) {
      assert.ok(i < 200, 'Redis never seen down');
      if (i === 5) {
        await redis.down();
        stopped = true;
      }
      const reply = await ask(alice, request.chat(ja.roomRef, ja.joinId, 'alice', `m${i}`));
      if (reply.type === 'error') {
        assert.ok(stopped, `an error before Redis stopped: ${reply.raw}`);
        assertUnavailable(reply, 'CHAT');
        refused++;
      } else {
        assert.equal(reply.raw, frame.chat(ja.roomRef, 'alice', `m${i}`));
        assert.equal(refused, 0, 'a chat delivered after one was refused while Redis was down');
        echoed.push(reply.raw);
      }
    }
    await bob.expect(echoed.join(''));
    assertUnavailable(await ask(carol, request.join('new', 'carol')), 'JOIN');
    carol.send(request.helo('no hang'));
    await carol.expect(frame.helo('no hang', cluster.nodes[1]?.port ?? 0));

    // Back, empty: both nodes find the epoch gone and recover; the old rooms are lost.
    await redis.up();
    const lost = (ref: number): string =>
      frame.error(17, `Room order lost: ROOM_REF ${ref}: the cluster store lost its data`);
    await bob.expect(lost(jb.roomRef), 5000);
    await bob.expectClosed();
    const aliceGot = await alice.nextReply(5000);
    assert.ok([lost(ja.roomRef), lost(jo.roomRef)].includes(aliceGot.raw), aliceGot.raw);
    await alice.expectClosed();
    assert.equal(alice.pending, '', 'one error, then the close');

    // The service goes on, past every identifier issued before (T7), and across the nodes.
    const jc = await joinRoom(carol, 'room', 'carol');
    const jd = await joinRoom(dave, 'room', 'dave');
    await carol.expect(frame.joinedNotice(jc.roomRef, 'dave'));
    const oldRefs = [ja.roomRef, jo.roomRef];
    const oldIds = [ja.joinId, jb.joinId];
    assert.equal(jd.roomRef, jc.roomRef, 'one ref for the name');
    assert.ok(
      jc.roomRef > Math.max(...oldRefs),
      `ROOM_REF ${jc.roomRef} after ${oldRefs.join(', ')}`,
    );
    for (const id of [jc.joinId, jd.joinId]) {
      assert.ok(id > Math.max(...oldIds), `JOIN_ID ${id} after ${oldIds.join(', ')}`);
    }
    dave.send(request.chat(jd.roomRef, jd.joinId, 'dave', 'from A'));
    for (const c of [dave, carol]) await c.expect(frame.chat(jd.roomRef, 'dave', 'from A'));
    carol.send(request.chat(jc.roomRef, jc.joinId, 'carol', 'from B'));
    for (const c of [dave, carol]) await c.expect(frame.chat(jc.roomRef, 'carol', 'from B'));
  } catch (err) {
    console.log(nodeLogs(cluster));
    throw err;
  }
});

/**
 * A Redis of the test's own, node A and node B, B connected as a Redis user of its own (so
 * that its scripts alone can be refused): alice on A and bob on B, in one room.
 */
async function nodesAAndB(
  t: TestContext,
  what: string,
  nodeTimeoutMs: number,
): Promise<{ cluster: NodeCluster; nodeB: ServerProcess; alice: WireClient; ja: Joined }> {
  const redis = await PrivateRedis.start();
  t.after(() => redis.close());
  const cluster = await startNodeCluster({
    what,
    url: redis.url,
    nodes: 1,
    nodeTimeoutMs,
    redisTimeoutMs: REDIS_TIMEOUT_MS,
  });
  t.after(() => cluster.close());
  await cluster.redis(['ACL', 'SETUSER', 'nodeb', 'on', '>pw', '~*', '&*', '+@all']);
  const nodeB = await spawnServer([
    '--redis',
    `redis://nodeb:pw@127.0.0.1:${redis.port}`,
    '--redis-prefix',
    cluster.prefix,
    '--node-id',
    'node-b',
    '--student-id',
    'test-id',
    '--node-timeout-ms',
    String(nodeTimeoutMs),
    '--redis-timeout-ms',
    String(REDIS_TIMEOUT_MS),
  ]);
  t.after(() => nodeB.kill());
  const alice = await cluster.connect(0);
  const bob = await WireClient.connect(nodeB.port);
  t.after(() => bob.close());
  const ja = await joinRoom(alice, 'room', 'alice');
  await joinRoom(bob, 'room', 'bob');
  await alice.expect(frame.joinedNotice(ja.roomRef, 'bob'));
  return { cluster, nodeB, alice, ja };
}

/** Node A reaped bob, once: alice was told, the room has her alone, node B is gone. */
async function assertBobReaped(
  cluster: NodeCluster,
  alice: WireClient,
  ja: Joined,
  withinMs: number,
): Promise<void> {
  await alice.expect(frame.leftNotice(ja.roomRef, 'bob'), withinMs);
  assert.equal(await cluster.redis(['HLEN', `${cluster.prefix}room:${ja.roomRef}:members`]), 1);
  assert.deepEqual(await cluster.redis(['ZRANGE', `${cluster.prefix}nodes`, '0', '-1']), [
    'node-a',
  ]);
  await alice.expectNothing();
}

test('a node stopped while Redis refuses its leaves: another node reaps its members, they are not left in for ever', async (t) => {
  const nodeTimeoutMs = 4000;
  const { cluster, nodeB, alice, ja } = await nodesAAndB(t, 'stop-refused', nodeTimeoutMs);
  // Node B stops while Redis refuses its scripts: bob's leave cannot be published.
  await cluster.redis(['ACL', 'SETUSER', 'nodeb', '-eval', '-evalsha']);
  nodeB.child.kill('SIGTERM');
  assert.equal(await nodeB.exited, 0);
  await cluster.redis(['ACL', 'SETUSER', 'nodeb', '+eval', '+evalsha']);
  // Node B is still counted as a node until its time runs out; then node A reaps bob, once.
  await assertBobReaped(cluster, alice, ja, nodeTimeoutMs + 3000);
});

test('a node stopped while Redis refuses its leaves but takes its stop: marked dead at once, reaped long before its time is up', async (t) => {
  const nodeTimeoutMs = 60_000; // its heartbeats alone would keep it counted for a minute
  const { cluster, nodeB, alice, ja } = await nodesAAndB(t, 'stop-marked', nodeTimeoutMs);
  // Every script of node B refused but its stop (loaded, so that EVALSHA finds it).
  const stop = new Script(stopScript);
  assert.equal(await cluster.redis(['SCRIPT', 'LOAD', stop.source]), stop.sha);
  await cluster.redis(['ACL', 'SETUSER', 'nodeb', '-eval', '-evalsha', `+evalsha|${stop.sha}`]);
  nodeB.child.kill('SIGTERM');
  assert.equal(await nodeB.exited, 0);
  // Node A's next look at the nodes (every second) finds node B dead and reaps bob, once.
  await assertBobReaped(cluster, alice, ja, 10_000);
});

// Redis refuses the script itself, or (Redis 7 wording: "ERR ... script: ...") a call inside it.
for (const [what, refused] of [
  ['its script', ['-eval', '-evalsha']],
  ['a call inside its script', ['-hdel']],
] as const) {
  test(`a seen-through LEAVE that Redis refuses when it comes to it (NOPERM, ${what}) is sent again until it is taken`, async (t) => {
    const { cluster, nodeB, alice, ja } = await nodesAAndB(t, 'leave-refused', 10_000);
    const bob = await WireClient.connect(nodeB.port);
    t.after(() => bob.close());
    const jb = await joinRoom(bob, 'room', 'bob2');
    await alice.expect(frame.joinedNotice(ja.roomRef, 'bob2'));
    await cluster.redis(['CLIENT', 'PAUSE', String(2 * REDIS_TIMEOUT_MS), 'WRITE']);
    assertUnavailable(await ask(bob, request.leave(jb.roomRef, jb.joinId, 'bob2')), 'LEAVE');
    // When the hold ends, Redis refuses node B's leave for a while: the late answer is NOPERM.
    await cluster.redis(['ACL', 'SETUSER', 'nodeb', ...refused]);
    await nodeB.waitForLog(/"msg":"Redis refused; trying again"/, 10_000);
    await cluster.redis(['ACL', 'SETUSER', 'nodeb', ...refused.map((r) => `+${r.slice(1)}`)]);
    for (const c of [alice, bob]) await c.expect(frame.leftNotice(ja.roomRef, 'bob2'), 10_000);
    bob.send(request.leave(jb.roomRef, jb.joinId, 'bob2'));
    await bob.expect(frame.left(jb.roomRef, jb.joinId), REPLY_BOUND_MS); // T4: out already
    await alice.expectNothing();
  });
}

test('SIGTERM to a node whose Redis is frozen: it stops within its bounds, not when Redis wakes', async (t) => {
  const redis = await PrivateRedis.start();
  t.after(() => redis.close());
  const cluster = await startNodeCluster({
    what: 'stop-frozen',
    url: redis.url,
    nodes: 1,
    redisTimeoutMs: REDIS_TIMEOUT_MS,
  });
  t.after(() => cluster.close());
  const bob = await cluster.connect(0);
  const jb = await joinRoom(bob, 'room', 'bob');
  redis.freeze();
  t.after(() => redis.thaw());
  assertUnavailable(await ask(bob, request.leave(jb.roomRef, jb.joinId, 'bob')), 'LEAVE');
  const node = cluster.nodes[0];
  assert.ok(node !== undefined);
  node.child.kill('SIGTERM');
  // The drain (2 s for the leaves) and the Redis timeouts of the stop, then the exit.
  const code = await Promise.race([
    node.exited,
    new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000).unref()),
  ]);
  assert.equal(code, 0);
});
