/**
 * What may happen while the server holds a connection's requests (throttled, or waiting on a
 * bus that delivers late) must not change what they mean: the quiet rule does not take a
 * half-read line for a whole one (T11), a connection that closes during its first JOIN
 * leaves nothing of itself in the room (T6, T7), and a JOIN whose bus answer comes after its
 * join event and its leave, or is given up on, changes nothing of what the room's other
 * members see.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BusUnavailable, type RoomBus, type JoinReply, type RoomEvent } from '../../src/bus/bus.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { DelayedCluster, type DelayedNode } from '../fixtures/delayed-cluster.js';
import { joinRoom, type Joined } from '../helpers/session.js';
import { waitUntil } from '../helpers/wait.js';
import { WireClient } from '../helpers/wire-client.js';

test('T11 a request split over segments while throttled is not cut by the quiet timer', async () => {
  const srv = await startServer({ quietMs: 50, limits: { rateLimitPerSecond: 4, rateBurst: 1 } });
  try {
    const c = await WireClient.connect(srv.port);
    // The first segment ends mid-line (the quiet timer is armed) and holds more requests than
    // the burst, so the server stops reading while the rest of the line is on its way.
    c.send(request.helo('a') + 'JOIN_CHATROOM: r\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: bo');
    for (const piece of [
      'b\n' + request.helo('c') + 'JOIN_CHATROOM: r2\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: ali',
      'ce\n',
    ]) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // never quiet for 50 ms
      c.send(piece);
    }
    await c.expect(frame.helo('a', srv.port));
    await c.expect(frame.joined('r', srv.port, 1, 1) + frame.joinedNotice(1, 'bob'), 3000);
    await c.expect(frame.helo('c', srv.port), 3000);
    await c.expect(frame.joined('r2', srv.port, 2, 1) + frame.joinedNotice(2, 'alice'), 3000);
    c.close();
  } finally {
    await srv.close();
  }
});

test('T6 a connection that closes while its first JOIN waits for its JOIN_ID leaves no member behind', async () => {
  const cluster = new DelayedCluster({ maxDelayMs: 2, duplicateOneIn: 0 });
  const node = cluster.node();
  // The JOIN_ID comes only when the test says: the client closes while it is on the way.
  let issue: (() => void) | undefined;
  const asked = new Promise<void>((resolve) => {
    issue = resolve;
  });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const directory = {
    issueJoinId: async (): Promise<number> => {
      issue?.();
      await released;
      return node.issueJoinId();
    },
    joinIdIssued: (id: number) => node.joinIdIssued(id),
    refStatus: (ref: number) => node.refStatus(ref),
    close: () => node.close(),
  };
  const srv = await startServer({ seams: { bus: node, directory } });
  try {
    const a = await WireClient.connect(srv.port);
    a.send(request.join('door', 'a'));
    await asked;
    a.socket.resetAndDestroy(); // gone at once (a FIN would let the JOIN finish first)
    await waitUntil(() => srv.server.connectionCount === 0, "a's close to reach the server");
    release();
    await waitUntil(() => cluster.book.joinIdIssued(1), 'the JOIN_ID to be issued');
    // Nothing of a is left: no member here, no room in the service.
    const b = await WireClient.connect(srv.port);
    const jb = await joinRoom(b, 'door', 'b');
    b.send(request.leave(jb.roomRef, jb.joinId, 'b'));
    await b.expect(frame.left(jb.roomRef, jb.joinId) + frame.leftNotice(jb.roomRef, 'b'));
    await waitUntil(() => cluster.book.roomCount === 0, 'the room to be forgotten (T7)');
    assert.equal(srv.server.rooms.roomCount, 0);
    assert.equal(srv.server.sessionsByJoinId.has(1), false, "a's JOIN_ID maps to nobody");
    b.close();
  } finally {
    await srv.close();
  }
});

/** A promise the test resolves when it says: `open` lets whatever awaits `opened` go on. */
function signal(): { opened: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** b in room hall, and s with its JOIN_ID (from room warm), both of the server at `port`. */
async function bInHallAndS(port: number): Promise<{
  b: WireClient;
  jb: Joined;
  ref: number;
  s: WireClient;
  js: Joined;
}> {
  const b = await WireClient.connect(port);
  const jb = await joinRoom(b, 'hall', 'b');
  const s = await WireClient.connect(port);
  const js = await joinRoom(s, 'warm', 's');
  return { b, jb, ref: jb.roomRef, s, js };
}

/**
 * A node's bus that records what it hands on and counts the watches of each room (they must
 * follow the node's members), with the answer to every JOIN passed through `answer` first, so
 * a test can hold it, or give it up (BusUnavailable).
 */
function spyBus(
  node: DelayedNode,
  answer: (clientName: string, reply: JoinReply) => Promise<JoinReply>,
): { bus: RoomBus; delivered: RoomEvent[]; watches: Map<number, number> } {
  const delivered: RoomEvent[] = [];
  const watches = new Map<number, number>();
  const bus: RoomBus = {
    spansNodes: true,
    subscribe: (handler) =>
      node.subscribe({
        event: (e) => {
          delivered.push(e);
          handler.event(e);
        },
        lost: (ref, why) => handler.lost(ref, why),
      }),
    join: async (...args) => answer(args[2], await node.join(...args)),
    leave: (ref, joinId, clientName) => node.leave(ref, joinId, clientName),
    leaveAll: (...args) => node.leaveAll(...args),
    chat: (...args) => node.chat(...args),
    watch: (ref, fromSeq, lastKnown) => {
      watches.set(ref, (watches.get(ref) ?? 0) + 1);
      node.watch(ref, fromSeq, lastKnown);
    },
    nextSeq: (ref) => node.nextSeq(ref),
    unwatch: (ref) => {
      watches.set(ref, (watches.get(ref) ?? 0) - 1);
      node.unwatch(ref);
    },
    close: () => node.close(),
  };
  return { bus, delivered, watches };
}

// The answer to s's JOIN comes after its event and its leave, or never (given up: error 16).
for (const outcome of ['answered', 'given up on'] as const) {
  test(`T6 a JOIN ${outcome} only after its join event and its leave: the room's other members see each once, and go on`, async () => {
    const cluster = new DelayedCluster({ maxDelayMs: 1, duplicateOneIn: 0 });
    const node = cluster.node();
    const answer = signal();
    const { bus, delivered, watches } = spyBus(node, async (name, reply) => {
      if (name !== 's') return reply;
      await answer.opened;
      if (outcome === 'given up on') throw new BusUnavailable('the answer never came');
      return reply;
    });
    const srv = await startServer({ seams: { bus, directory: node } });
    try {
      const b = await WireClient.connect(srv.port);
      const jb = await joinRoom(b, 'hall', 'b');
      const ref = jb.roomRef;
      const s = await WireClient.connect(srv.port);
      s.send(request.join('hall', 's'));
      // b's watch brings s's join event here before the answer to s's JOIN.
      await b.expect(frame.joinedNotice(ref, 's'));
      s.socket.resetAndDestroy();
      await b.expect(frame.leftNotice(ref, 's'));
      delivered.length = 0;
      answer.open();
      // The answer is taken in before b's chat is read (microtasks before I/O): the room goes on for b as before, with nothing of s again.
      b.send(request.chat(ref, jb.joinId, 'b', 'still here'));
      await b.expect(frame.chat(ref, 'b', 'still here'));
      await b.expectNothing();
      assert.deepEqual(
        delivered.map((e) => e.kind),
        ['chat'],
        'the node was handed the chat alone',
      );
      assert.equal(watches.get(ref), 1, 'the room watched once, for b');
      b.send(request.leave(ref, jb.joinId, 'b'));
      await b.expect(frame.left(ref, jb.joinId) + frame.leftNotice(ref, 'b'));
      assert.equal(watches.get(ref), 0, 'the room no longer watched');
      b.close();
    } finally {
      await srv.close();
    }
  });
}

test("T2 a JOIN answered 'already' where the node has handed the room on past the answer: error 17, then out, never in with events missing", async () => {
  const cluster = new DelayedCluster({ maxDelayMs: 1, duplicateOneIn: 0 });
  const node = cluster.node();
  const [answerCame, answer] = [signal(), signal()];
  const { bus } = spyBus(node, async (_name, reply) => {
    if (reply.kind !== 'already') return reply;
    answerCame.open();
    await answer.opened;
    return reply;
  });
  const srv = await startServer({ seams: { bus, directory: node } });
  try {
    const { b, jb, ref, s, js } = await bInHallAndS(srv.port);
    // A JOIN of s's that the store carried out after the node gave up on it (error 16): b is
    // told s joined; s itself was told the JOIN failed.
    cluster.book.join('hall', js.joinId, 's', 1000, 99);
    await b.expect(frame.joinedNotice(ref, 's'));
    s.send(request.join('hall', 's'));
    await answerCame.opened; // 'already', at the room's last event
    // The next event is handed on here before the answer is taken in.
    b.send(request.chat(ref, jb.joinId, 'b', 'after the answer'));
    await b.expect(frame.chat(ref, 'b', 'after the answer'));
    answer.open();
    await s.expect(
      frame.error(
        17,
        `Room order lost: ROOM_REF ${ref}: this node could not give the room's events from the JOIN on; join again`,
      ),
    );
    await s.expectClosed();
    await b.expect(frame.leftNotice(ref, 's')); // its close took it out
    await b.expectNothing();
    b.close();
  } finally {
    await srv.close();
  }
});

test("T2 a JOIN answered 'already' where the node has not yet handed the room on up to the answer: in once it has, with the events after it", async () => {
  const cluster = new DelayedCluster({ maxDelayMs: 1, duplicateOneIn: 0 });
  const node = cluster.node();
  // The room's events can be kept from the node for a while: its feed then lags the store.
  const publish = node.published.bind(node);
  let holding = false;
  const kept: RoomEvent[] = [];
  node.published = (e: RoomEvent): void => {
    if (holding) kept.push(e);
    else publish(e);
  };
  const answerCame = signal();
  const { bus } = spyBus(node, (_name, reply) => {
    if (reply.kind === 'already') answerCame.open();
    return Promise.resolve(reply);
  });
  const srv = await startServer({ seams: { bus, directory: node } });
  try {
    const { b, jb, ref, s, js } = await bInHallAndS(srv.port);
    holding = true;
    // A chat before s is in, then a JOIN of s's the store carried out after the node gave up
    // on it: the node has had neither event when the answer comes.
    b.send(request.chat(ref, jb.joinId, 'b', 'before s was in'));
    await waitUntil(() => cluster.book.lastSeq(ref) === 2, "b's chat in the store");
    cluster.book.join('hall', js.joinId, 's', 1000, 99);
    s.send(request.join('hall', 's'));
    await answerCame.opened; // 'already', at that join's event, which the node has not had
    s.send(request.chat(ref, js.joinId, 's', 'pipelined after the JOIN'));
    holding = false;
    for (const e of kept.splice(0)) publish(e);
    await s.expect(
      frame.joined('hall', srv.port, ref, js.joinId) +
        frame.joinedNotice(ref, 's') +
        frame.chat(ref, 's', 'pipelined after the JOIN'),
    );
    await b.expect(
      frame.chat(ref, 'b', 'before s was in') +
        frame.joinedNotice(ref, 's') +
        frame.chat(ref, 's', 'pipelined after the JOIN'),
    );
    for (const c of [b, s]) await c.expectNothing();
    b.close();
    s.close();
  } finally {
    await srv.close();
  }
});
