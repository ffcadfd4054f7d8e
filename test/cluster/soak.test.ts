/**
 * The soak across three `roomcast serve --redis` processes: clients join, chat, leave,
 * disconnect and abort (RST) at random across a few rooms, their connections spread over the
 * nodes in turn (so every room has members on every node, and the observer of each room is on
 * a node of its own), and test/helpers/soak-checker.ts verifies from the bytes received that
 * every member, on every node, got every event of its rooms exactly once and in the room's one
 * order (T1, T2, T3, T6, T13; no errors, T12). Afterwards Redis holds no live room (T7).
 *
 *   CLUSTER_SOAK_SECONDS=600 CLUSTER_SOAK_CLIENTS=200 \
 *     node --import tsx --test test/cluster/soak.test.ts              # a long run
 *
 * Env: CLUSTER_SOAK_SECONDS (traffic phase, default 20), CLUSTER_SOAK_CLIENTS (default 60).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeLogs, startNodeCluster } from '../helpers/node-cluster.js';
import { percentile, SoakClients } from '../helpers/soak-clients.js';

const SOAK_SECONDS = Number(process.env.CLUSTER_SOAK_SECONDS ?? 20);
const CLIENTS = Number(process.env.CLUSTER_SOAK_CLIENTS ?? 60);
const NODES = 3;
const ROOMS = 6;
const MAX_ROOMS_PER_CLIENT = 3;
/** Time after the traffic phase for the last leave notices to reach the observers. */
const DRAIN_TIMEOUT_MS = 20_000;

test(
  `cluster soak: ${CLIENTS} clients over ${NODES} nodes, ${ROOMS} rooms, ${SOAK_SECONDS} s of churn and resets`,
  { timeout: SOAK_SECONDS * 1000 + 90_000 },
  async () => {
    const cluster = await startNodeCluster({
      what: 'soak',
      nodes: NODES,
      args: ['--rate-limit', '0'],
      lifetimeMs: SOAK_SECONDS * 1000 + 85_000,
    });
    const clients = new SoakClients(
      cluster.nodes.map((n) => n.port),
      ROOMS,
      MAX_ROOMS_PER_CLIENT,
    );
    let stopped = false;
    try {
      const { byRef: observers } = await clients.observe();
      const deadline = performance.now() + SOAK_SECONDS * 1000;
      const running = (): boolean => !stopped && performance.now() < deadline;
      await Promise.all(Array.from({ length: CLIENTS }, () => clients.user(running)));
      await clients.drain(DRAIN_TIMEOUT_MS);
      const verdict = clients.log.check(observers);
      const { counts, echoMs } = clients;
      console.log(
        [
          `cluster soak figures (${SOAK_SECONDS} s of traffic, ${NODES} nodes):`,
          `  connections made: ${counts.connections} (${clients.ended('disconnect')} ended by DISCONNECT,` +
            ` ${clients.ended('abort')} by RST, ${clients.ended('server-closed')} by the server)`,
          `  client actions: ${counts.actions}, chats sent: ${counts.chats}`,
          `  room events: ${verdict.events}, deliveries verified: ${verdict.deliveries}` +
            ` in ${verdict.memberships} memberships; chats confirmed in order: ${verdict.chatsConfirmed}`,
          `  echo latency ms: p50 ${percentile(echoMs, 50).toFixed(1)}, p99 ${percentile(echoMs, 99).toFixed(1)}`,
          `  violations: ${verdict.violationCount}, client failures: ${clients.failureCount}`,
        ].join('\n'),
      );
      assert.deepEqual(clients.failures, [], `${clients.failureCount} client failures`);
      assert.deepEqual(verdict.violations, [], `${verdict.violationCount} violations`);
      assert.ok(verdict.deliveries > 0 && verdict.chatsConfirmed > 0, 'the soak checked nothing');
      // Everyone left: the service forgot every room, in Redis too (T7).
      await cluster.noRoomsLeft();
    } catch (err) {
      console.log(nodeLogs(cluster));
      throw err;
    } finally {
      stopped = true;
      clients.destroyAll();
      await cluster.close();
    }
  },
);
