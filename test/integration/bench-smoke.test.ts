/**
 * The benchmark's load generator against a real roomcast, briefly: every expected delivery
 * arrives exactly once and in order. Counts only; speed is measured by `npm run bench`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoadgen } from '../../bench/loadgen.ts';
import { scenarios } from '../../bench/scenarios.ts';
import { startServer } from '../helpers/server.js';

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
