/**
 * A node's pub/sub channel of a room follows the room's watch, however fast the watch comes
 * and goes (room-subscriptions.ts): a room whose last local member leaves as another joins,
 * again and again, before Redis has answered the SUBSCRIBE or UNSUBSCRIBE before, ends
 * subscribed exactly when it is watched, and a watched room still reaches the node. Real
 * Redis, two nodes' seams in this process, a prefix unique to the run, removed after.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isPromise, type Awaitable, type RoomEvent } from '../../src/bus/bus.js';
import type { Seams } from '../../src/server/chat-server.js';
import { deleteKeys, redisSeams, SHARED_REDIS, uniquePrefix } from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { createClient } from '@redis/client';

const settle = async <T>(value: Awaitable<T>): Promise<T> => (isPromise(value) ? value : value);

describe("a room's channel follows its watch", () => {
  const prefix = uniquePrefix('subs');
  let watcher: Seams;
  let other: Seams;
  const seen: RoomEvent[] = [];
  const look = createClient({ url: SHARED_REDIS });
  let rooms = 0;
  const joinIds = new Map<number, number>();
  const joinIdOf = (ref: number): number => joinIds.get(ref) ?? 0;

  before(async () => {
    watcher = await redisSeams(prefix, 'watcher');
    other = await redisSeams(prefix, 'other');
    watcher.bus.subscribe({ event: (e) => seen.push(e), lost: () => {} });
    other.bus.subscribe({ event: () => {}, lost: () => {} });
    await look.connect();
  });
  after(async () => {
    await watcher.bus.close();
    await other.bus.close();
    look.destroy();
    await deleteKeys(prefix);
  });

  /** A room with a member of the other node; its ref and the seq of that join. */
  async function room(): Promise<{ ref: number; seq: number }> {
    const joinId = 1000 + ++rooms;
    const r = await settle(other.bus.join(`r${rooms}`, joinId, 'o', 1000, 1));
    if (r.kind !== 'joined') throw new Error(JSON.stringify(r));
    joinIds.set(r.ref, joinId);
    return r;
  }
  const subscribers = async (ref: number): Promise<number> => {
    const counts: unknown = await look.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}room:${ref}`]);
    return Array.isArray(counts) ? Number(counts[1]) : -1;
  };
  /** Polls PUBSUB until room `ref` has `n` subscribers (5 s at most), then checks it stays so. */
  async function settlesAt(ref: number, n: number): Promise<void> {
    const deadline = performance.now() + 5000;
    let count = await subscribers(ref);
    while (count !== n && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      count = await subscribers(ref);
    }
    assert.equal(count, n, `room ${ref} to have ${n} subscriber(s)`);
    // A change still under way could only make it fail: a while later, the count again.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await subscribers(ref), n, `room ${ref} settled at ${n} subscriber(s)`);
  }

  // Each pattern is a run of watch (+) and unwatch (-) calls, in one turn of the event loop or
  // one a turn, so each call comes before Redis answered the one before; it starts from the
  // room unwatched, or watched and subscribed (a member of the node already there).
  const patterns = {
    unwatched: ['+-+-', '+-+-+-+-', '+-+', '+-+-+', '++--', '++-+--'],
    subscribed: ['-+-', '-+-+-', '-+', '-+-+', '+--', '+--+-'],
  };
  const runs = (['unwatched', 'subscribed'] as const).flatMap((from) =>
    ['one turn', 'a turn each'].flatMap((spacing) =>
      patterns[from].map((pattern) => ({ from, spacing, pattern })),
    ),
  );
  for (const { from, spacing, pattern } of runs) {
    test(`from ${from}, ${pattern} in ${spacing}: subscribed exactly when watched, and handed the room`, async () => {
      const { ref, seq } = await room();
      let depth = 0;
      if (from === 'subscribed') {
        watcher.bus.watch(ref, seq);
        depth++;
        await settlesAt(ref, 1);
      }
      for (const step of pattern) {
        if (step === '+') watcher.bus.watch(ref, seq);
        else watcher.bus.unwatch(ref);
        depth += step === '+' ? 1 : -1;
        if (spacing === 'a turn each') await new Promise((resolve) => setImmediate(resolve));
      }
      await settlesAt(ref, depth > 0 ? 1 : 0);
      if (depth > 0) {
        await settle(other.bus.chat(ref, 'o', `after ${pattern}`));
        await waitUntil(
          () => seen.some((e) => e.ref === ref && e.kind === 'chat'),
          `the chat in room ${ref} to reach the watcher`,
        );
        for (; depth > 0; depth--) watcher.bus.unwatch(ref);
        await settlesAt(ref, 0);
      }
      await settle(other.bus.leave(ref, joinIdOf(ref), 'o', 1));
    });
  }
});
