/**
 * A node that goes away, with members in rooms shared with other nodes (T6 across nodes):
 *
 * - SIGKILL: it publishes nothing; the others take it for dead within --node-timeout-ms and
 *   one of them publishes each of its members' leave notices, once. The service goes on.
 * - SIGTERM and KILL_SERVICE (which stops one node): it publishes its members' leaves itself
 *   before it exits. The node timeout is made long here, so that nobody else could have.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { nodeLogs, startNodeCluster } from '../helpers/node-cluster.js';
import { joinRoom } from '../helpers/session.js';
import { waitUntil } from '../helpers/wait.js';
import type { WireClient } from '../helpers/wire-client.js';

const NODE_TIMEOUT_MS = 3000;
/** The reaper looks once a second; the leaves then need a round trip or two. */
const SLACK_MS = 2000;

/** The next `n` replies of `c`, as raw frames, sorted (notices of one event may come in any order). */
async function nextSorted(c: WireClient, n: number, timeoutMs = 2000): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) out.push((await c.nextReply(timeoutMs)).raw);
  return out.sort();
}

const reaped = /"msg":"node reaped"/;

test("SIGKILL: the others publish its members' leave notices within the node timeout, once; a pause is no death", async (t) => {
  const cluster = await startNodeCluster({
    what: 'sigkill',
    nodes: 3,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
  });
  t.after(() => cluster.close());
  try {
    const [alice, bob, carol, dave] = [
      await cluster.connect(0),
      await cluster.connect(1),
      await cluster.connect(2),
      await cluster.connect(2),
    ];
    if (!alice || !bob || !carol || !dave) throw new Error('clients');
    // Room one: a member on every node, and dave on the node that dies.
    const one = await joinRoom(alice, 'one', 'alice');
    const jb = await joinRoom(bob, 'one', 'bob');
    const jc = await joinRoom(carol, 'one', 'carol');
    await joinRoom(dave, 'one', 'dave');
    await carol.expect(frame.joinedNotice(one.roomRef, 'dave'));
    await alice.expect(
      frame.joinedNotice(one.roomRef, 'bob') +
        frame.joinedNotice(one.roomRef, 'carol') +
        frame.joinedNotice(one.roomRef, 'dave'),
    );
    await bob.expect(
      frame.joinedNotice(one.roomRef, 'carol') + frame.joinedNotice(one.roomRef, 'dave'),
    );
    // Room two: carol with alice. Room three: only members of the node that dies.
    const two = await joinRoom(carol, 'two', 'carol');
    await joinRoom(alice, 'two', 'alice');
    const three = await joinRoom(dave, 'three', 'dave');
    const dying = cluster.nodes[2];
    if (dying === undefined) throw new Error('nodes');

    // First a pause of a third of the node timeout (SIGSTOP, the way a long GC or a busy
    // machine stops a process): the node is silent, not dead, and nobody takes it for dead.
    const pausedAt = performance.now();
    dying.child.kill('SIGSTOP');
    try {
      await waitUntil(() => performance.now() - pausedAt >= NODE_TIMEOUT_MS / 3, 'the pause');
    } finally {
      dying.child.kill('SIGCONT');
    }
    await carol.expect(frame.joinedNotice(two.roomRef, 'alice'));
    carol.send(request.chat(jc.roomRef, jc.joinId, 'carol', 'just paused'));
    for (const c of [alice, bob, carol, dave]) {
      await c.expect(frame.chat(one.roomRef, 'carol', 'just paused'));
    }
    assert.deepEqual(
      cluster.nodes.map((n) => n.logged(reaped).length),
      [0, 0, 0],
      'a paused node taken for dead',
    );

    const killedAt = performance.now();
    dying.kill();
    await dying.exited;
    const bound = NODE_TIMEOUT_MS + SLACK_MS;
    assert.deepEqual(
      await nextSorted(alice, 3, bound),
      [
        frame.leftNotice(one.roomRef, 'carol'),
        frame.leftNotice(one.roomRef, 'dave'),
        frame.leftNotice(two.roomRef, 'carol'),
      ].sort(),
    );
    const seenAfterMs = performance.now() - killedAt;
    assert.deepEqual(
      await nextSorted(bob, 2, bound),
      [frame.leftNotice(one.roomRef, 'carol'), frame.leftNotice(one.roomRef, 'dave')].sort(),
    );
    console.log(
      `SIGKILL: leave notices ${seenAfterMs.toFixed(0)} ms after the kill (bound ${bound} ms)`,
    );
    assert.ok(seenAfterMs < bound, `${seenAfterMs.toFixed(0)} ms`);

    // Once: the dead node has nothing left to reap, one survivor did it, and nothing follows.
    const p = cluster.prefix;
    assert.equal(await cluster.redis(['ZSCORE', `${p}nodes`, 'node-c']), null);
    assert.equal(await cluster.redis(['EXISTS', `${p}node:node-c:joins`]), 0);
    const reapers = cluster.nodes.slice(0, 2).map((n) => n.logged(reaped).length);
    assert.deepEqual(reapers.sort(), [0, 1], 'one survivor reaped it');
    // Room three had only the dead node's member: forgotten with its last leave (T7).
    assert.equal(await cluster.redis(['HEXISTS', `${p}names`, 'three']), 0);
    assert.equal(await cluster.redis(['EXISTS', `${p}room:${three.roomRef}`]), 0);
    for (const c of [alice, bob]) await c.expectNothing();

    // The service goes on: a chat across the two survivors, and a new member from each.
    alice.send(request.chat(one.roomRef, one.joinId, 'alice', 'still here'));
    for (const c of [alice, bob]) await c.expect(frame.chat(one.roomRef, 'alice', 'still here'));
    const erin = await cluster.connect(1);
    const je = await joinRoom(erin, 'three', 'erin');
    assert.notEqual(je.roomRef, three.roomRef, 'a forgotten ref is not given again (T7)');
    assert.ok(je.joinId > Math.max(one.joinId, jb.joinId), 'a new JOIN_ID');
    bob.send(request.leave(jb.roomRef, jb.joinId, 'bob'));
    await bob.expect(frame.left(jb.roomRef, jb.joinId) + frame.leftNotice(jb.roomRef, 'bob'));
    await alice.expect(frame.leftNotice(one.roomRef, 'bob'));
  } catch (err) {
    console.log(nodeLogs(cluster));
    throw err;
  }
});

test("SIGTERM and KILL_SERVICE: the node stopping publishes its members' leave notices itself", async (t) => {
  const cluster = await startNodeCluster({
    what: 'stop',
    nodes: 3,
    // Nobody takes a node for dead within this test: every notice is the stopping node's own.
    nodeTimeoutMs: 600_000,
  });
  t.after(() => cluster.close());
  try {
    const [alice, bob, carol] = [
      await cluster.connect(0),
      await cluster.connect(1),
      await cluster.connect(2),
    ];
    if (!alice || !bob || !carol) throw new Error('clients');
    const ja = await joinRoom(alice, 'room', 'alice');
    const jb = await joinRoom(bob, 'room', 'bob');
    const jc = await joinRoom(carol, 'room', 'carol');
    await alice.expect(
      frame.joinedNotice(ja.roomRef, 'bob') + frame.joinedNotice(ja.roomRef, 'carol'),
    );
    await bob.expect(frame.joinedNotice(jb.roomRef, 'carol'));
    const [, nodeB, nodeC] = cluster.nodes;
    if (nodeB === undefined || nodeC === undefined) throw new Error('nodes');

    // SIGTERM to carol's node: the others get her leave; she is told why (error 14).
    nodeC.child.kill('SIGTERM');
    for (const c of [alice, bob]) await c.expect(frame.leftNotice(ja.roomRef, 'carol'));
    await carol.expect(
      frame.leftNotice(jc.roomRef, 'carol') + frame.error(14, 'Server shutting down: SIGTERM'),
    );
    await carol.expectClosed();
    assert.equal(await nodeC.exited, 0);

    // KILL_SERVICE on bob's node stops that node alone: alice gets bob's leave.
    const killer = await cluster.connect(1);
    killer.send(request.kill());
    await alice.expect(frame.leftNotice(ja.roomRef, 'bob'));
    await bob.expect(frame.leftNotice(jb.roomRef, 'bob'));
    await bob.expectClosed();
    await killer.expectClosed();
    assert.equal(killer.pending, '', 'no reply to KILL_SERVICE (T14)');
    assert.equal(await nodeB.exited, 0);

    // Both left the service's books; nobody reaped them; alice carries on.
    const p = cluster.prefix;
    assert.deepEqual(await cluster.redis(['ZRANGE', `${p}nodes`, '0', '-1']), ['node-a']);
    assert.equal(await cluster.redis(['HLEN', `${p}room:${ja.roomRef}:members`]), 1);
    assert.equal(cluster.nodes[0]?.logged(reaped).length, 0);
    await alice.expectNothing();
    alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'alone'));
    await alice.expect(frame.chat(ja.roomRef, 'alice', 'alone'));
  } catch (err) {
    console.log(nodeLogs(cluster));
    throw err;
  }
});

test('a node paused past the node timeout: the others publish its leaves; once awake it gives its members error 17 and closes them', async (t) => {
  const cluster = await startNodeCluster({
    what: 'paused',
    nodes: 2,
    nodeTimeoutMs: NODE_TIMEOUT_MS,
  });
  t.after(() => cluster.close());
  try {
    const [alice, bob] = [await cluster.connect(0), await cluster.connect(1)];
    if (!alice || !bob) throw new Error('clients');
    const room = await joinRoom(alice, 'paused', 'alice');
    await joinRoom(bob, 'paused', 'bob');
    await alice.expect(frame.joinedNotice(room.roomRef, 'bob'));
    const paused = cluster.nodes[0];
    if (paused === undefined) throw new Error('nodes');
    paused.child.kill('SIGSTOP');
    try {
      // Taken for dead: bob, on the other node, is told alice left, once.
      await bob.expect(frame.leftNotice(room.roomRef, 'alice'), NODE_TIMEOUT_MS + SLACK_MS);
    } finally {
      paused.child.kill('SIGCONT');
    }
    // Awake, alice's node learns it was taken out: she must rejoin (error 17), and is closed.
    const reply = await alice.nextReply(NODE_TIMEOUT_MS + SLACK_MS);
    assert.equal(reply.type, 'error', reply.raw);
    assert.match(reply.raw, /^ERROR_CODE: 17\n/);
    await alice.expectClosed(5000);
    await bob.expectNothing();
  } catch (err) {
    console.log(nodeLogs(cluster));
    throw err;
  }
});
