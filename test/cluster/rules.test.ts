/**
 * PROTOCOL.md Part 1's rules across three `roomcast serve --redis` processes that are one
 * service: identifiers (T7), ownership (T8), the orders a client sees (T2, T3, T6, T13), HELO
 * (T9) and the service-wide room limit, each with members on different nodes. After every
 * test its clients are closed and Redis must have forgotten every room (T7: memory follows
 * the live rooms); the last test checks that only the service's own keys remain.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { nodeLogs, startNodeCluster, type NodeCluster } from '../helpers/node-cluster.js';
import { joinRoom, type Joined } from '../helpers/session.js';
import { waitUntil } from '../helpers/wait.js';
import type { WireClient } from '../helpers/wire-client.js';

const NODES = 3;
/** The service's room limit (--max-rooms); no test but the limit's own holds more rooms. */
const MAX_ROOMS = 6;

describe('PROTOCOL.md Part 1 rules, three roomcast processes over Redis', () => {
  let cluster: NodeCluster;
  let open: WireClient[] = [];
  let roomSeq = 0;
  const freshRoom = (): string => `room-${++roomSeq}`;

  before(async () => {
    cluster = await startNodeCluster({
      what: 'rules',
      nodes: NODES,
      args: ['--max-rooms', String(MAX_ROOMS)],
      lifetimeMs: 170_000,
    });
  });
  after(() => cluster.close());
  afterEach(async () => {
    for (const c of open) c.close();
    open = [];
    try {
      // T7: a room left empty is forgotten by the service, in Redis too.
      await cluster.noRoomsLeft();
    } catch (err) {
      console.log(nodeLogs(cluster));
      throw err;
    }
  });

  /** A client of node `i`. */
  async function client(i: number): Promise<WireClient> {
    const c = await cluster.connect(i % NODES);
    open.push(c);
    return c;
  }
  /** No node is subscribed to a room's channel (only the nodes' own probe channels remain). */
  async function noRoomSubscriptions(): Promise<void> {
    const pattern = `${cluster.prefix}room:*`;
    const channels = (): Promise<unknown> => cluster.redis(['PUBSUB', 'CHANNELS', pattern]);
    const deadline = performance.now() + 3000;
    // Unsubscribing follows the last local leave without a reply: poll for it.
    let left = await channels();
    while (Array.isArray(left) && left.length > 0 && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      left = await channels();
    }
    assert.deepEqual(left, [], 'room channels still subscribed');
  }
  const portOf = (i: number): number => cluster.nodes[i % NODES]?.port ?? 0;

  test('T9 HELO: IP and Port are those of the node the client reached', async () => {
    for (let i = 0; i < NODES; i++) {
      const c = await client(i);
      c.send(request.helo(`node ${i}`));
      await c.expect(frame.helo(`node ${i}`, portOf(i)));
    }
  });

  test('T7 ROOM_REF: one name has one ref on every node; JOINED names the node reached', async () => {
    const room = freshRoom();
    const cs = [await client(0), await client(1), await client(2)];
    const joined: Joined[] = [];
    for (const [i, c] of cs.entries()) {
      c.send(request.join(room, `m${i}`));
      const reply = await c.nextReply();
      assert.equal(reply.type, 'joined', reply.raw);
      if (reply.type !== 'joined') return;
      const j = { roomRef: Number(reply.roomRef), joinId: Number(reply.joinId) };
      assert.equal(reply.raw, frame.joined(room, portOf(i), j.roomRef, j.joinId));
      joined.push(j);
      // T2: the joiner's notice, then to every member before it, on every node.
      for (const member of cs.slice(0, i + 1)) {
        await member.expect(frame.joinedNotice(j.roomRef, `m${i}`));
      }
    }
    const refs = new Set(joined.map((j) => j.roomRef));
    assert.equal(refs.size, 1, `one ref for '${room}': ${[...refs].join(', ')}`);
    const other = await joinRoom(await client(1), freshRoom(), 'x');
    assert.ok(!refs.has(other.roomRef), 'another name never gets a ref in use');
  });

  test('T7 JOIN_ID: unique in the whole service, the same in every room, never reused', async () => {
    const rooms = [freshRoom(), freshRoom()];
    const cs = await Promise.all(Array.from({ length: 4 * NODES }, (_, i) => client(i)));
    // Every first JOIN at once, on every node: the JOIN_IDs are issued concurrently.
    const ids = async (): Promise<number[]> =>
      Promise.all(cs.map((c, i) => joinedId(c, rooms[i % 2] ?? '', `u${i}`)));
    const first = await ids();
    assert.equal(new Set(first).size, first.length, `distinct JOIN_IDs: ${first.join(' ')}`);
    // The other room: the same JOIN_ID for each connection.
    rooms.reverse();
    assert.deepEqual(await ids(), first, 'one JOIN_ID per connection, in every room');
    for (const c of cs) c.close();
    await cluster.noRoomsLeft();
    // New connections on every node, after the old ones closed: none gets an old JOIN_ID.
    const again = await Promise.all(
      Array.from({ length: NODES }, async (_, i) => joinedId(await client(i), 'again', 'v')),
    );
    for (const id of again) assert.ok(!first.includes(id), `JOIN_ID ${id} was issued before`);
    assert.equal(new Set(again).size, again.length);
  });

  test('T7 a room created concurrently from two nodes gets one ref', async () => {
    for (let round = 0; round < 20; round++) {
      const room = freshRoom();
      const [a, b] = [await client(round), await client(round + 1)];
      // Both JOINs leave in the same turn: they race in Redis.
      a.send(request.join(room, 'a'));
      b.send(request.join(room, 'b'));
      const [ra, rb] = [await a.nextReply(), await b.nextReply()];
      assert.ok(ra.type === 'joined' && rb.type === 'joined', `${ra.raw} ${rb.raw}`);
      assert.equal(ra.roomRef, rb.roomRef, `round ${round}: two refs for '${room}'`);
      const c = await client(round + 2);
      const third = await joinRoom(c, room, 'c');
      assert.equal(third.roomRef, Number(ra.roomRef));
      for (const x of [a, b, c]) x.close();
    }
  });

  test('T7 a JOIN racing the last LEAVE on another node: still one ref for the name', async () => {
    let sameRoom = 0;
    for (let round = 0; round < 25; round++) {
      const room = freshRoom();
      const x = await client(round);
      const jx = await joinRoom(x, room, 'x');
      const y = await client(round + 1);
      await joinRoom(y, `home-${round}`, 'y'); // y holds a JOIN_ID: its JOIN is one script
      // x's LEAVE empties the room (forgotten with it, T7) while y's JOIN may find it or not;
      // who writes first alternates.
      const writes = [
        () => x.send(request.leave(jx.roomRef, jx.joinId, 'x')),
        () => y.send(request.join(room, 'y')),
      ];
      if (round % 2 === 1) writes.reverse();
      for (const write of writes) write();
      const ry = await y.nextReply();
      assert.equal(ry.type, 'joined', ry.raw);
      if (ry.type !== 'joined') return;
      await y.expect(frame.joinedNotice(Number(ry.roomRef), 'y'));
      const leaving = frame.left(jx.roomRef, jx.joinId) + frame.leftNotice(jx.roomRef, 'x');
      if (Number(ry.roomRef) === jx.roomRef) {
        // y joined before the leave: both see y join, then x leave (T13); the room lives on.
        sameRoom++;
        await x.expect(frame.joinedNotice(jx.roomRef, 'y') + leaving);
        await y.expect(frame.leftNotice(jx.roomRef, 'x'));
      } else {
        await x.expect(leaving);
      }
      // A third node agrees with y, and so does Redis: one ref for the name.
      const zc = await client(round + 2);
      const z = await joinRoom(zc, room, 'z');
      assert.equal(z.roomRef, Number(ry.roomRef), `round ${round}: two refs for '${room}'`);
      assert.equal(await cluster.redis(['HGET', `${cluster.prefix}names`, room]), ry.roomRef);
      await y.expect(frame.joinedNotice(z.roomRef, 'z'));
      await y.expectNothing();
      for (const c of [x, y, zc]) c.close();
    }
    console.log(`JOIN vs last LEAVE: ${sameRoom} of 25 JOINs came first`);
  });

  test("a node's last member of a room leaves as another of that node joins: the room still reaches it", async () => {
    const room = freshRoom();
    const alice = await client(0);
    const ja = await joinRoom(alice, room, 'alice');
    let x = await client(1);
    let jx = await joinRoom(x, room, 'x0');
    await alice.expect(frame.joinedNotice(ja.roomRef, 'x0'));
    for (let round = 1; round <= 20; round++) {
      // x is node 1's only member of the room; y, of node 1 too, joins as x leaves.
      const y = await client(1);
      await joinRoom(y, `side-${round % 2}`, `x${round}`); // y holds a JOIN_ID: one script
      x.send(request.leave(jx.roomRef, jx.joinId, `x${round - 1}`));
      y.send(request.join(room, `x${round}`));
      const reply = await y.nextReply();
      assert.equal(reply.type, 'joined', reply.raw);
      if (reply.type !== 'joined') return;
      const jy = { roomRef: Number(reply.roomRef), joinId: Number(reply.joinId) };
      // alice's view is the room's order; y sees it from its own join notice on (T2, T13),
      // and alice's chat after both reaches it.
      const joinedNotice = frame.joinedNotice(ja.roomRef, `x${round}`);
      const leftNotice = frame.leftNotice(ja.roomRef, `x${round - 1}`);
      const order = await nextFrames(alice, 2);
      assert.deepEqual([...order].sort(), [joinedNotice, leftNotice].sort());
      const chat = frame.chat(ja.roomRef, 'alice', `round ${round}`);
      alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', `round ${round}`));
      await alice.expect(chat);
      await y.expect(order.slice(order.indexOf(joinedNotice)).join('') + chat);
      x.close();
      [x, jx] = [y, jy];
    }
  });

  test('the room limit counts the rooms of the whole service', async () => {
    const made: Joined[] = [];
    const owners: WireClient[] = [];
    for (let i = 0; i < MAX_ROOMS; i++) {
      const c = await client(i);
      owners.push(c);
      made.push(await joinRoom(c, `limit-${i}`, `o${i}`));
    }
    for (let i = 0; i < NODES; i++) {
      const c = await client(i);
      c.send(request.join(`limit-extra-${i}`, 'late'));
      await c.expect(frame.error(15, `Too many chat rooms on this server: at most ${MAX_ROOMS}`));
      // A room that exists can still be joined, from any node.
      c.send(request.join('limit-0', `late${i}`));
      const reply = await c.nextReply();
      assert.equal(reply.type, 'joined', reply.raw);
    }
    // One room empties: a new one may be made, on another node.
    const owner = owners[MAX_ROOMS - 1];
    const last = made[MAX_ROOMS - 1];
    if (owner === undefined || last === undefined) throw new Error('rooms');
    owner.send(request.leave(last.roomRef, last.joinId, `o${MAX_ROOMS - 1}`));
    await owner.expect(
      frame.left(last.roomRef, last.joinId) + frame.leftNotice(last.roomRef, `o${MAX_ROOMS - 1}`),
    );
    await joinRoom(await client(MAX_ROOMS), 'limit-new', 'n');
  });

  test('T8 a JOIN_ID issued on one node is refused on every other connection, on any node', async () => {
    const room = freshRoom();
    const alice = await client(0);
    const ja = await joinRoom(alice, room, 'alice');
    const notYours = frame.error(4, `JOIN_ID belongs to another connection: JOIN_ID ${ja.joinId}`);
    for (let i = 0; i < NODES; i++) {
      // One that has a JOIN_ID of its own (a member of the room), one that has none.
      const member = await client(i);
      const jm = await joinRoom(member, room, `m${i}`);
      await alice.expect(frame.joinedNotice(ja.roomRef, `m${i}`));
      const stranger = await client(i);
      for (const c of [member, stranger]) {
        c.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'impostor'));
        await c.expect(notYours);
        c.send(request.leave(ja.roomRef, ja.joinId, 'alice'));
        await c.expect(notYours);
      }
      stranger.send(request.chat(ja.roomRef, 987654321, 'alice', 'made up'));
      await stranger.expect(frame.error(3, 'Unknown user: JOIN_ID 987654321'));
      member.send(request.leave(jm.roomRef, jm.joinId, `m${i}`));
      await member.expect(
        frame.left(jm.roomRef, jm.joinId) + frame.leftNotice(jm.roomRef, `m${i}`),
      );
      await alice.expect(frame.leftNotice(ja.roomRef, `m${i}`));
    }
    // Nothing was posted or left in alice's name: she is still in, and her chat is hers.
    await alice.expectNothing();
    alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'still me'));
    await alice.expect(frame.chat(ja.roomRef, 'alice', 'still me'));
  });

  test('T2 a JOIN on one node while another node pipelines chats: JOINED, notice, then exactly the later chats', async () => {
    const room = freshRoom();
    const [alice, bob, carol] = [await client(0), await client(1), await client(2)];
    const ja = await joinRoom(alice, room, 'alice');
    const jc = await joinRoom(carol, room, 'carol');
    await alice.expect(frame.joinedNotice(ja.roomRef, 'carol'));
    const chats = Array.from({ length: 40 }, (_, i) => frame.chat(ja.roomRef, 'carol', `c${i}`));
    // carol pipelines her chats four to a write, the next write once her echo of the one
    // before last is back (two writes in flight); bob's JOIN goes in while they flow.
    const aliceView = collect(alice, chats.length + 1);
    const carolView = collect(carol, chats.length + 1);
    const notice = frame.joinedNotice(ja.roomRef, 'bob');
    for (let w = 0; w < 10; w++) {
      await echoed(carolView.frames, 4 * (w - 1));
      let text = '';
      for (let i = 4 * w; i < 4 * w + 4; i++) {
        text += request.chat(jc.roomRef, jc.joinId, 'carol', `c${i}`);
      }
      carol.send(text);
      if (w === 4) bob.send(request.join(room, 'bob'));
    }
    // alice's view is the room's order: every chat, with bob's join somewhere among them.
    const order = await aliceView.done;
    const at = order.indexOf(notice);
    assert.ok(at >= 0, `alice never saw bob join: ${order.join('')}`);
    console.log(`T2: bob joined after ${at} of carol's ${chats.length} chats`);
    assert.deepEqual(
      order.filter((f) => f !== notice),
      chats,
    );
    assert.deepEqual(await carolView.done, order);
    const reply = await bob.nextReply();
    assert.equal(reply.type, 'joined', reply.raw);
    if (reply.type !== 'joined') return;
    assert.equal(reply.raw, frame.joined(room, portOf(1), ja.roomRef, Number(reply.joinId)));
    await bob.expect(notice + order.slice(at + 1).join(''));
    await bob.expectNothing();
  });

  test('T3 LEAVE across nodes: LEFT, the notice with the leaver included, then nothing of the room', async () => {
    const room = freshRoom();
    const [alice, bob, carol] = [await client(0), await client(1), await client(2)];
    const ja = await joinRoom(alice, room, 'alice');
    const jb = await joinRoom(bob, room, 'bob');
    await joinRoom(carol, room, 'carol');
    await alice.expect(
      frame.joinedNotice(ja.roomRef, 'bob') + frame.joinedNotice(ja.roomRef, 'carol'),
    );
    await bob.expect(frame.joinedNotice(ja.roomRef, 'carol'));
    bob.send(
      request.chat(jb.roomRef, jb.joinId, 'bob', 'one') +
        request.leave(jb.roomRef, jb.joinId, 'bob') +
        request.chat(jb.roomRef, jb.joinId, 'bob', 'two'),
    );
    await bob.expect(
      frame.chat(jb.roomRef, 'bob', 'one') +
        frame.left(jb.roomRef, jb.joinId) +
        frame.leftNotice(jb.roomRef, 'bob') +
        frame.error(5, `Not a member of that chat room: ROOM_REF ${jb.roomRef}`),
    );
    for (const c of [alice, carol]) {
      await c.expect(frame.chat(ja.roomRef, 'bob', 'one') + frame.leftNotice(ja.roomRef, 'bob'));
    }
    alice.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'after'));
    for (const c of [alice, carol]) await c.expect(frame.chat(ja.roomRef, 'alice', 'after'));
    await bob.expectNothing();
  });

  test('T6 DISCONNECT across nodes: own notices by ascending ROOM_REF, the others get theirs, then close', async () => {
    const [r1, r2] = [freshRoom(), freshRoom()];
    const [alice, bob, carol] = [await client(0), await client(1), await client(2)];
    const j2 = await joinRoom(carol, r2, 'carol');
    const j1 = await joinRoom(bob, r1, 'bob');
    // alice joins the room with the higher ref first: her notices still go by ascending ref.
    const [lo, hi] = j1.roomRef < j2.roomRef ? [j1, j2] : [j2, j1];
    const [loName, hiName] = lo === j1 ? [r1, r2] : [r2, r1];
    const [loPeer, hiPeer] = lo === j1 ? [bob, carol] : [carol, bob];
    await joinRoom(alice, hiName, 'alice');
    await joinRoom(alice, loName, 'alice');
    await hiPeer.expect(frame.joinedNotice(hi.roomRef, 'alice'));
    await loPeer.expect(frame.joinedNotice(lo.roomRef, 'alice'));
    alice.send(request.disconnect('alice'));
    await alice.expect(
      frame.leftNotice(lo.roomRef, 'alice') + frame.leftNotice(hi.roomRef, 'alice'),
    );
    await alice.expectClosed();
    await loPeer.expect(frame.leftNotice(lo.roomRef, 'alice'));
    await hiPeer.expect(frame.leftNotice(hi.roomRef, 'alice'));
    for (const c of [bob, carol]) await c.expectNothing();
  });

  test('T6 a connection of one node that just closes leaves its rooms on the others', async () => {
    const room = freshRoom();
    const [alice, bob, carol] = [await client(0), await client(1), await client(2)];
    const ja = await joinRoom(alice, room, 'alice');
    await joinRoom(bob, room, 'bob');
    await joinRoom(carol, room, 'carol');
    await alice.expect(
      frame.joinedNotice(ja.roomRef, 'bob') + frame.joinedNotice(ja.roomRef, 'carol'),
    );
    await bob.expect(frame.joinedNotice(ja.roomRef, 'carol'));
    bob.socket.resetAndDestroy();
    for (const c of [alice, carol]) {
      await c.expect(frame.leftNotice(ja.roomRef, 'bob'));
      await c.expectNothing();
    }
  });

  test("T13 three senders on three nodes pipeline chats: every member sees one order, each sender's as sent", async () => {
    const room = freshRoom();
    const members: WireClient[] = [];
    const joined: Joined[] = [];
    for (let i = 0; i < 2 * NODES; i++) {
      const c = await client(i);
      joined.push(await joinRoom(c, room, `p${i}`));
      for (const m of members) await m.expect(frame.joinedNotice(joined[0]?.roomRef ?? 0, `p${i}`));
      members.push(c);
    }
    const ref = joined[0]?.roomRef ?? 0;
    const PER_SENDER = 60;
    const senders = members.slice(0, NODES); // p0, p1, p2: one on each node
    // Each sender pipelines its chats, PER_WRITE to a write, the next write once its echo of
    // the one before last is back (two in flight), so the three nodes' batches interleave.
    const PER_WRITE = 5;
    const readers = members.map((m) => collect(m, NODES * PER_SENDER));
    await Promise.all(
      senders.map(async (s, i) => {
        const id = joined[i]?.joinId ?? 0;
        const own = readers[i]?.frames ?? [];
        for (let w = 0; w < PER_SENDER / PER_WRITE; w++) {
          await echoed(own, PER_WRITE * (w - 1), `p${i}`);
          let text = '';
          for (let k = w * PER_WRITE; k < (w + 1) * PER_WRITE; k++) {
            text += request.chat(ref, id, `p${i}`, `s${i}.${k}`);
          }
          s.send(text);
        }
      }),
    );
    const views = await Promise.all(readers.map((r) => r.done));
    const [first] = views;
    if (first === undefined) throw new Error('views');
    for (const [i, view] of views.entries()) {
      assert.deepEqual(view, first, `member p${i} saw another order than p0 (T13)`);
    }
    for (let i = 0; i < NODES; i++) {
      const mine: string[] = first.filter((f) => f.includes(`CLIENT_NAME: p${i}\n`));
      const sent = Array.from({ length: PER_SENDER }, (_, k) =>
        frame.chat(ref, `p${i}`, `s${i}.${k}`),
      );
      assert.deepEqual(mine, sent, `sender p${i}'s chats in the order sent`);
    }
    const senderOf = (f: string | undefined): string =>
      /CLIENT_NAME: (p\d)/.exec(f ?? '')?.[1] ?? '';
    const switches = first.filter((f, k) => k > 0 && senderOf(f) !== senderOf(first[k - 1])).length;
    console.log(
      `T13: ${first.length} chats from ${NODES} nodes, the sender changes ${switches} times`,
    );
    for (const m of members) await m.expectNothing();
  });

  test('T6 connections that close with their JOIN in flight leave nothing behind', async () => {
    const room = freshRoom();
    const watcher = await client(0);
    const jw = await joinRoom(watcher, room, 'w');
    const closedCount = (): number =>
      cluster.nodes.reduce((n, node) => n + node.logged(/"msg":"connection closed"/).length, 0);
    const closedBefore = closedCount();
    // A first JOIN issues a JOIN_ID, joins, then (on a node new to the room) subscribes and
    // reads the room's log before its event arrives: the resets, from at once to a few ms
    // later (pacing, not a wait for a result), fall anywhere in that.
    await Promise.all(
      Array.from({ length: 8 * NODES }, async (_, i) => {
        const c = await client(i);
        c.send(request.helo('first')); // the node then has a session for it, logged at its close
        await c.nextReply();
        c.send(request.join(room, `gone${i}`));
        await new Promise((resolve) => setTimeout(resolve, i % 8));
        c.socket.resetAndDestroy();
      }),
    );
    // Whoever the service let in, it lets out again: once every node has closed its
    // connections, Redis has the watcher alone in the room, and its LEAVE comes after every
    // other leave in the room's order, so it sees a leave notice for every join notice.
    const seen: string[] = [];
    const count = (what: string): number => seen.filter((f) => f.includes(what)).length;
    await waitUntil(
      () => closedCount() >= closedBefore + 8 * NODES,
      'every node closing the connections reset',
    );
    await cluster.until(
      async () =>
        Number(await cluster.redis(['HLEN', `${cluster.prefix}room:${jw.roomRef}:members`])) === 1,
      'the watcher alone in the room',
    );
    watcher.send(request.leave(jw.roomRef, jw.joinId, 'w'));
    for (;;) {
      const reply = await watcher.nextReply();
      if (reply.type === 'left') break;
      seen.push(reply.raw);
    }
    await watcher.expect(frame.leftNotice(jw.roomRef, 'w'));
    assert.equal(count('has joined'), count('has left'), seen.join(''));
    console.log(`JOIN then reset: ${count('has joined')} of ${8 * NODES} got in (and out)`);
    await cluster.noRoomsLeft();
    await noRoomSubscriptions();
  });

  test("after everyone left, the prefix holds only the service's own keys and expiring room logs", async () => {
    const room = freshRoom();
    for (let i = 0; i < NODES; i++) await joinRoom(await client(i), room, `k${i}`);
    for (const c of open) c.close();
    await cluster.noRoomsLeft();
    const p = cluster.prefix;
    const keys = await cluster.keys();
    const own = [`${p}epoch`, `${p}next:join`, `${p}next:ref`, `${p}nodes`];
    const logs = keys.filter((k) => /:room:\d+:log$/.test(k));
    assert.deepEqual(
      keys.filter((k) => !logs.includes(k)),
      own.sort(),
    );
    assert.ok(logs.length > 0, 'the rooms of this file left logs');
    for (const log of logs) {
      const ttl = Number(await cluster.redis(['PTTL', log]));
      assert.ok(ttl > 0, `${log} expires (PTTL ${ttl})`);
    }
    await noRoomSubscriptions();
  });
});

/** `c`'s next `n` replies as raw frames: `frames` fills as they come, `done` has them all. */
function collect(c: WireClient, n: number): { frames: string[]; done: Promise<string[]> } {
  const frames: string[] = [];
  const done = (async () => {
    while (frames.length < n) frames.push((await c.nextReply(5000)).raw);
    return frames;
  })();
  return { frames, done };
}

/** Waits until `frames` holds `n` chats of `sender` (a sender's pacing on its own echoes). */
async function echoed(frames: readonly string[], n: number, sender = 'carol'): Promise<void> {
  if (n <= 0) return;
  const mine = (): number => frames.filter((f) => f.includes(`CLIENT_NAME: ${sender}\n`)).length;
  await waitUntil(() => mine() >= n, `${n} echoes of ${sender}'s chats`);
}

/** The next `n` replies of `c`, as raw frames. */
async function nextFrames(c: WireClient, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) out.push((await c.nextReply()).raw);
  return out;
}

/** Sends JOIN and returns the JOIN_ID of its JOINED_CHATROOM, passing over room events. */
async function joinedId(c: WireClient, room: string, name: string): Promise<number> {
  c.send(request.join(room, name));
  for (;;) {
    const reply = await c.nextReply(5000);
    if (reply.type === 'joined' && reply.room === room) return Number(reply.joinId);
    assert.equal(reply.type, 'chat', `joining ${room}: ${reply.raw}`);
  }
}
