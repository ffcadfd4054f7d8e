/**
 * The benchmark's load generator against a real roomcast and a real nats-server, briefly:
 * every expected delivery arrives exactly once and in order. Counts only; speed is measured by
 * `npm run bench`. Also the summary's ratio rows (roomcast / each other server present).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runLoadgen } from '../../bench/loadgen.ts';
import { failedRow, summaryLines, type Row } from '../../bench/report.ts';
import { scenarios } from '../../bench/scenarios.ts';
import { launch, natsSpec, stopServer } from '../../bench/servers.ts';
import { startServer } from '../helpers/server.js';

const NATS_SERVER = '/usr/sbin/nats-server';

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
      assert.equal(r.deliveries, r.expected, r.stderr);
      assert.equal(r.notices_expected, 0); // a SUB is silent: no join notices
      assert.deepEqual(
        [r.lost, r.duplicated, r.reordered, r.foreign, r.errors, r.disconnects],
        [0, 0, 0, 0, 0, 0],
      );
      assert.ok(r.ok, r.stderr);
    } finally {
      await stopServer(srv.child);
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('bench summary: a ratio row roomcast/<peer> for every other server, "-" for a failed one', () => {
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
  // table order: roomcast, baseline, ngircd, nats, then the ratios in the same order
  const order = lines.filter((l) => l.startsWith('smoke')).map((l) => l.split(/\s+/)[1]);
  assert.deepEqual(order, [
    'roomcast',
    'baseline',
    'ngircd',
    'nats',
    'roomcast/baseline',
    'roomcast/ngircd',
    'roomcast/nats',
  ]);
});
