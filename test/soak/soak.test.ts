/**
 * The soak test (issue 6): a few hundred clients join, chat, leave, disconnect, reconnect and
 * abort (RST) at random across ten rooms for SOAK_SECONDS (default 60) against a real
 * `roomcast serve` process, while one client stops reading and must be cut off as a slow
 * reader without holding anyone up. Afterwards test/helpers/soak-checker.ts verifies from the
 * bytes received that every member got every event of its rooms exactly once and in the one
 * order of the room (T1, T2, T3, T6, T13, no errors: T12), and the server's peak RSS
 * (VmHWM) is held to a bound.
 *
 *   SOAK_SECONDS=600 node --import tsx --test test/soak/soak.test.ts   # a long soak
 *
 * Env: SOAK_SECONDS (traffic phase, default 60), SOAK_CLIENTS (default 300),
 * SOAK_RSS_MB (bound on the server's peak RSS, default 300).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNotice, percentile, roomName, SoakClients, type Conn } from '../helpers/soak-clients.js';
import { spawnServer } from '../helpers/process.js';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 300);
const RSS_LIMIT_MB = Number(process.env.SOAK_RSS_MB ?? 300);
const ROOMS = 10;
const MAX_ROOMS_PER_CLIENT = 4;
const SEND_QUEUE_BYTES = 256 * 1024;
/** Time after the traffic phase for the last leave notices to reach the observers. */
const DRAIN_TIMEOUT_MS = 20_000;
const SLOW_NAME = 'slow-reader';
/** Bound on the 99th percentile of chat echo latency (measured: 40 to 300 ms on 2 busy cores). */
const ECHO_P99_LIMIT_MS = 2000;
const MB = 1024 * 1024;

test(
  `soak: ${CLIENTS} clients, ${ROOMS} rooms, ${SOAK_SECONDS} s of churn, resets and a slow reader`,
  { timeout: SOAK_SECONDS * 1000 + 120_000 },
  async () => {
    const server = await spawnServer(
      ['--rate-limit', '0', '--send-queue-bytes', String(SEND_QUEUE_BYTES)],
      SOAK_SECONDS * 1000 + 115_000,
    );
    const clients = new SoakClients([server.port], ROOMS, MAX_ROOMS_PER_CLIENT);
    const { log, counts, echoMs } = clients;
    let peakRss = 0;
    const sampleMemory = (): void => {
      try {
        peakRss = Math.max(peakRss, server.memory().peak);
      } catch {
        // the process is gone: the checks below fail on that
      }
    };
    const sampler = setInterval(sampleMemory, 500);
    const wallStart = performance.now();
    /** Set when the test ends, however it ends: every client loop then stops. */
    let stopped = false;

    try {
      // One observer per room, joined before anyone else and staying to the end: its
      // events are the room's order for the checker.
      const { conns: observerConns, byRef: observers } = await clients.observe();

      // The slow reader joins every room and then never reads again. The server must cut
      // it off (its leave notices then reach every room, T6) while everyone carries on.
      const slow = await clients.open();
      slow.log.slow = true;
      for (let i = 0; i < ROOMS; i++) await slow.join(roomName(i), SLOW_NAME);
      slow.client.socket.pause();
      const slowPausedAt = performance.now();
      let slowDroppedAfterMs: number | undefined;
      const watcher = observerConns[0];
      if (watcher === undefined) throw new Error('no observer');
      watcher.client.onReply = (reply) => {
        log.record(watcher.log, reply);
        if (slowDroppedAfterMs === undefined && isNotice(reply, SLOW_NAME, 'left')) {
          slowDroppedAfterMs = performance.now() - slowPausedAt;
        }
      };

      const deadline = performance.now() + SOAK_SECONDS * 1000;
      const running = (): boolean => !stopped && performance.now() < deadline;

      /** Big chats into room 0 until the slow reader is gone, so that it fills up early. */
      async function bulk(): Promise<void> {
        const c: Conn = await clients.open();
        try {
          const ref = await c.join(roomName(0));
          while (running() && slowDroppedAfterMs === undefined) {
            counts.chats++;
            echoMs.push(await c.chat(ref, 1, 8000));
          }
          await c.disconnect();
        } catch (err) {
          clients.fail(`bulk talker: ${err instanceof Error ? err.message : String(err)}`);
          c.client.destroy();
        }
      }

      const users = Array.from({ length: CLIENTS }, () => clients.user(running));
      await Promise.all([...users, bulk()]);
      const trafficEnd = performance.now();

      // Drain: every join notice an observer saw is answered by a leave notice (T6).
      await clients.drain(DRAIN_TIMEOUT_MS);
      sampleMemory();
      const memory = server.memory();
      const slowDrops = server.drops('slow-reader');

      const verdict = log.check(observers);
      const ended = (how: string): number => clients.ended(how);
      const wallSeconds = (performance.now() - wallStart) / 1000;
      console.log(
        [
          `soak figures (${SOAK_SECONDS} s of traffic, ${wallSeconds.toFixed(1)} s in all):`,
          `  clients: ${CLIENTS} users + ${ROOMS} observers + 1 bulk talker + 1 slow reader, ${ROOMS} rooms`,
          `  connections made: ${counts.connections} (${ended('disconnect')} ended by DISCONNECT, ${ended('abort')} by RST,` +
            ` ${ended('server-closed')} by the server)`,
          `  client actions: ${counts.actions}, chats sent: ${counts.chats}`,
          `  room events: ${verdict.events}, deliveries verified: ${verdict.deliveries}` +
            ` in ${verdict.memberships} memberships; chats confirmed in order: ${verdict.chatsConfirmed}`,
          `  echo latency ms: p50 ${percentile(echoMs, 50).toFixed(1)}, p99 ${percentile(echoMs, 99).toFixed(1)}, max ${percentile(echoMs, 100).toFixed(1)}`,
          `  slow reader cut off after ${slowDroppedAfterMs === undefined ? 'never' : `${(slowDroppedAfterMs / 1000).toFixed(1)} s`}` +
            ` (server log: ${slowDrops} slow-reader drop)`,
          `  server RSS: peak ${(Math.max(peakRss, memory.peak) / MB).toFixed(1)} MB (VmHWM), at end ${(memory.rss / MB).toFixed(1)} MB`,
          `  violations: ${verdict.violationCount}, client failures: ${clients.failureCount}`,
        ].join('\n'),
      );

      assert.deepEqual(clients.failures, [], `${clients.failureCount} client failures`);
      assert.deepEqual(verdict.violations, [], `${verdict.violationCount} violations`);
      assert.ok(verdict.deliveries > 0 && verdict.chatsConfirmed > 0, 'the soak checked nothing');
      assert.ok(slowDroppedAfterMs !== undefined, 'the slow reader was never cut off');
      assert.ok(slowDroppedAfterMs < trafficEnd - slowPausedAt, 'cut off during the traffic');
      assert.equal(slowDrops, 1, 'exactly one connection dropped as a slow reader');
      // Nobody waited on the slow reader (or on anything else): echoes stay prompt.
      assert.ok(
        percentile(echoMs, 99) < ECHO_P99_LIMIT_MS,
        `p99 echo latency ${percentile(echoMs, 99).toFixed(0)} ms`,
      );
      assert.ok(
        Math.max(peakRss, memory.peak) < RSS_LIMIT_MB * MB,
        `server peak RSS ${(peakRss / MB).toFixed(1)} MB over ${RSS_LIMIT_MB} MB`,
      );
    } catch (err) {
      console.log(`server log tail:\n${server.logTail().slice(-4000)}`);
      throw err;
    } finally {
      stopped = true;
      clearInterval(sampler);
      clients.destroyAll();
      await server.stop();
    }
  },
);
