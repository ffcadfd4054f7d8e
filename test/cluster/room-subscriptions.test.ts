/**
 * A node's pub/sub channel of a room follows the room's watch, however fast the watch comes
 * and goes (room-subscriptions.ts): a room whose last local member leaves as another joins,
 * again and again, before Redis has answered the SUBSCRIBE or UNSUBSCRIBE before, ends
 * subscribed exactly when it is watched, and a watched room still reaches the node; so it does
 * when the subscriber connection is cut right after such a run (node-redis subscribes again
 * what it holds when it reconnects). Real Redis, two nodes' seams in this process: the shared
 * one under a prefix unique to the run, removed after; for the cuts, one of the test's own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isPromise, type Awaitable, type RoomEvent } from '../../src/bus/bus.js';
import type { Seams } from '../../src/server/chat-server.js';
import {
  deleteKeys,
  PrivateRedis,
  redisSeams,
  SHARED_REDIS,
  uniquePrefix,
} from '../helpers/redis.js';
import { waitUntil } from '../helpers/wait.js';
import { createClient } from '@redis/client';

const settle = async <T>(value: Awaitable<T>): Promise<T> => (isPromise(value) ? value : value);

/** The runs of watch and unwatch below; with `cut`, each followed by a cut of the subscribers. */
function channelSuite(name: string, cut: boolean): void {
  describe(name, () => {
    const prefix = uniquePrefix('subs');
    let redis: PrivateRedis | undefined;
    let url = SHARED_REDIS;
    let watcher: Seams;
    let other: Seams;
    const seen: RoomEvent[] = [];
    let look: ReturnType<typeof createClient>;
    let rooms = 0;
    const joinIds = new Map<number, number>();
    const joinIdOf = (ref: number): number => joinIds.get(ref) ?? 0;

    before(async () => {
      if (cut) {
        redis = await PrivateRedis.start();
        url = redis.url;
      }
      look = createClient({ url });
      watcher = await redisSeams(prefix, 'watcher', { url });
      other = await redisSeams(prefix, 'other', { url });
      watcher.bus.subscribe({ event: (e) => seen.push(e), lost: () => {} });
      other.bus.subscribe({ event: () => {}, lost: () => {} });
      await look.connect();
    });
    after(async () => {
      await watcher.bus.close();
      await other.bus.close();
      look.destroy();
      if (redis === undefined) await deleteKeys(prefix);
      else await redis.close();
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
      (cut ? ['one turn'] : ['one turn', 'a turn each']).flatMap((spacing) =>
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
        // Every subscriber connection of this Redis (the watcher's and the other's), with the
        // run's last changes perhaps still on their way.
        if (cut) {
          await look.sendCommand(['CLIENT', 'KILL', 'TYPE', 'pubsub']);
          // Back once its probe channel is (node-redis subscribes again all it holds at once).
          const probe = async (): Promise<unknown> =>
            look.sendCommand(['PUBSUB', 'NUMSUB', `${prefix}probe:watcher`]);
          const deadline = performance.now() + 5000;
          while (Number(((await probe()) as unknown[])[1]) !== 1 && performance.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
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
}

channelSuite("a room's channel follows its watch", false);
channelSuite("a room's channel follows its watch across a cut of the subscriber connection", true);
