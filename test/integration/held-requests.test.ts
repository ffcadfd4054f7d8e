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
import {
  BusUnavailable,
  type BusHandler,
  type JoinReply,
  type RoomEvent,
} from '../../src/bus/bus.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { DelayedCluster } from '../fixtures/delayed-cluster.js';
import { joinRoom } from '../helpers/session.js';
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

// The answer to s's JOIN comes after its event and its leave, or never (given up: error 16).
for (const outcome of ['answered', 'given up on'] as const) {
  test(`T6 a JOIN ${outcome} only after its join event and its leave: the room's other members see each once, and go on`, async () => {
    const cluster = new DelayedCluster({ maxDelayMs: 1, duplicateOneIn: 0 });
    const node = cluster.node();
    // The node's bus, but the answer to s's JOIN is held until the test lets it go, and the
    // watches of the room are counted: they must follow the node's members.
    let delivered: RoomEvent[] = [];
    const watches = new Map<number, number>();
    let letGo: () => void = () => {};
    const heldAnswer = new Promise<void>((resolve) => (letGo = resolve));
    const bus = {
      spansNodes: true,
      subscribe: (handler: BusHandler) =>
        node.subscribe({
          event: (e) => {
            delivered.push(e);
            handler.event(e);
          },
          lost: (ref, why) => handler.lost(ref, why),
        }),
      join: async (...args: Parameters<typeof node.join>): Promise<JoinReply> => {
        const reply = await node.join(...args);
        if (args[2] !== 's') return reply;
        await heldAnswer;
        if (outcome === 'given up on') throw new BusUnavailable('the answer never came');
        return reply;
      },
      leave: (...args: Parameters<typeof node.leave>) => node.leave(...args),
      leaveAll: (...args: Parameters<typeof node.leaveAll>) => node.leaveAll(...args),
      chat: (...args: Parameters<typeof node.chat>) => node.chat(...args),
      watch: (ref: number, fromSeq: number) => {
        watches.set(ref, (watches.get(ref) ?? 0) + 1);
        node.watch(ref, fromSeq);
      },
      unwatch: (ref: number) => {
        watches.set(ref, (watches.get(ref) ?? 0) - 1);
        node.unwatch(ref);
      },
      close: () => node.close(),
    };
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
      delivered = [];
      letGo();
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
