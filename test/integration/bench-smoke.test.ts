/**
 * The benchmark's load generator against a real roomcast, `roomcast serve --workers 2` as the
 * runner starts it, a real two-node roomcast cluster (over the shared Redis) and a real
 * nats-server, briefly: every expected delivery arrives
 * exactly once and in order. Counts only; speed is measured by `npm run bench`. Also the
 * summary's ratio rows (roomcast / each other server present).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLoadgen } from '../../bench/loadgen.ts';
import { failedRow, summaryLines, type Row } from '../../bench/report.ts';
import { RedisProbe } from '../../bench/redis.ts';
import { scenarios } from '../../bench/scenarios.ts';
import {
  clusterSpec,
  launch,
  natsSpec,
  processTree,
  repoRoot,
  stopServer,
  workersSpec,
} from '../../bench/servers.ts';
import { keysUnder, SHARED_REDIS } from '../helpers/redis.js';
import { startServer } from '../helpers/server.js';

const NATS_SERVER = '/usr/sbin/nats-server';

/** The smoke workload's every delivery arrived once, in order, and nothing went wrong. */
function assertEverythingArrived(r: Awaited<ReturnType<typeof runLoadgen>>): void {
  assert.equal(r.deliveries, r.expected, r.stderr);
  assert.deepEqual(
    [r.lost, r.duplicated, r.reordered, r.foreign, r.errors, r.disconnects],
    [0, 0, 0, 0, 0, 0],
  );
  assert.ok(r.ok, r.stderr);
}

test('bench smoke: 20 clients, 2 rooms, 2 senders x 50, nothing lost, duplicated or reordered', async () => {
  const srv = await startServer();
  try {
    const r = await runLoadgen({ ...scenarios.smoke.workload, port: srv.port });
    assert.equal(r.deliveries, r.expected, r.stderr);
    assert.equal(r.expected, 2 * 50 * 10); // each message reaches its room's 10 members
    assert.equal(r.lost, 0);
    assert.equal(r.duplicated, 0);
    assert.equal(r.reordered, 0);
    assert.ok(r.ok, r.stderr);
  } finally {
    await srv.close();
  }
});

test(
  'bench smoke over NATS: the same workload through nats-server, the publisher included',
  {
    skip: existsSync(NATS_SERVER)
      ? false
      : `${NATS_SERVER} is not installed (apt-get install -y nats-server)`,
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomcast-bench-smoke-'));
    const srv = await launch(natsSpec(NATS_SERVER), dir); // its own server on a free port
    try {
      const r = await runLoadgen({
        ...scenarios.smoke.workload,
        port: srv.port,
        protocol: 'nats',
        timeoutS: 10,
      });
      assert.equal(r.protocol, 'nats');
      // NATS echoes a publisher's messages to its own subscription, so as in TCD each message
      // reaches all 10 subscribers of its subject.
      assert.equal(r.expected, 2 * 50 * 10);
      assert.equal(r.notices_expected, 0); // a SUB is silent: no join notices
      assertEverythingArrived(r);
    } finally {
      await stopServer(srv.child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

const DIST_MAIN = join(repoRoot, 'dist/cli/main.js');

test(
  'bench smoke over cluster2: two nodes, every room on both, deliveries across them; keys removed',
  { skip: existsSync(DIST_MAIN) ? false : `${DIST_MAIN} is not built (npm run build)` },
  async () => {
    const spec = clusterSpec('cluster2', 'node dist/cli/main.js serve', SHARED_REDIS, 2);
    const dir = mkdtempSync(join(tmpdir(), 'roomcast-bench-smoke-'));
    const prefix = spec.cluster?.prefix(dir) ?? assert.fail('a cluster spec has a prefix');
    const redis = await RedisProbe.connect(SHARED_REDIS);
    const srv = await launch(spec, dir);
    try {
      assert.equal(srv.nodes.length, 2);
      const r = await runLoadgen({
        ...scenarios.smoke.workload,
        port: srv.port,
        ports: srv.nodes.map((n) => n.port),
        timeoutS: 10,
      });
      assert.equal(r.nodes, 2);
      assert.equal(r.expected, 2 * 50 * 10);
      // Room r's member k is on node (r + k) mod 2: 5 of each room's 10 members are on the
      // other node from its sender (member 0), so half of every message's deliveries cross.
      assert.equal(r.cross_deliveries, 2 * 50 * 5);
      assertEverythingArrived(r);
      assert.ok(
        (await keysUnder(prefix)).length > 0,
        'the nodes keep their rooms under the prefix',
      );
    } finally {
      await Promise.all(srv.nodes.map((n) => stopServer(n.child)));
      await redis.deleteKeys(prefix); // what the runner does after every cluster run
      redis.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(await keysUnder(prefix), []);
  },
);

test(
  'bench smoke over workers2: up once both workers serve, its processes the primary and two workers',
  { skip: existsSync(DIST_MAIN) ? false : `${DIST_MAIN} is not built (npm run build)` },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'roomcast-bench-smoke-'));
    const srv = await launch(workersSpec('node dist/cli/main.js serve'), dir);
    try {
      const pids = processTree([srv.child.pid ?? -1]);
      assert.equal(pids.length, 3, `primary and workers: ${pids.join(' ')}`);
      const r = await runLoadgen({ ...scenarios.smoke.workload, port: srv.port, timeoutS: 10 });
      assert.equal(r.expected, 2 * 50 * 10);
      assertEverythingArrived(r);
    } finally {
      await stopServer(srv.child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('bench summary: a ratio row roomcast/<peer> for every other server and workers2/nats, "-" for a failed one', () => {
  const row = (server: Row['server'], deliveriesPerS: number): Row => ({
    ...failedRow('smoke', server, 1, '', ''),
    ok: true,
    deliveries: 1000,
    expected: 1000,
    deliveries_per_s: deliveriesPerS,
    p50_ms: 1,
  });
  const rows = [
    row('roomcast', 300),
    row('nats', 600),
    row('baseline', 100),
    row('workers2', 450),
    failedRow('smoke', 'ngircd', 1, '', 'server did not start'),
  ];
  const lines = summaryLines(rows, ['smoke']);
  const cells = (label: string): string[] | undefined =>
    lines
      .find((l) => l.startsWith(`smoke       ${label} `))
      ?.trim()
      .split(/\s+/);
  // deliv/s is the first figure after the name(s); ratio rows have no ok column
  assert.deepEqual(cells('roomcast')?.slice(2, 4), ['1/1', '300']);
  assert.deepEqual(cells('ngircd')?.slice(2, 4), ['0/1', '-']);
  assert.deepEqual(cells('roomcast/baseline')?.slice(2, 4), ['3.00', '1.00']);
  assert.deepEqual(cells('roomcast/nats')?.slice(2, 4), ['0.50', '1.00']);
  assert.deepEqual(cells('roomcast/ngircd')?.slice(2, 4), ['-', '-']);
  assert.deepEqual(cells('workers2/nats')?.slice(2, 4), ['0.75', '1.00']);
  // no cluster row: no cross-node or Redis columns
  assert.ok(!lines.some((l) => l.includes('x-node') || l.includes('redis')), lines.join('\n'));
  // table order: roomcast, baseline, workers2, ngircd, nats, then the ratios in the same
  // order, then workers2 against NATS
  const order = lines.filter((l) => l.startsWith('smoke')).map((l) => l.split(/\s+/)[1]);
  assert.deepEqual(order, [
    'roomcast',
    'baseline',
    'workers2',
    'ngircd',
    'nats',
    'roomcast/baseline',
    'roomcast/workers2',
    'roomcast/ngircd',
    'roomcast/nats',
    'workers2/nats',
  ]);
});
