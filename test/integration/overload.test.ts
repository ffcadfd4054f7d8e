/**
 * Overload (DESIGN.md section 6): ten senders pipeline thousands of CHATs at full speed into a
 * room of 100, at the default settings, with the benchmark's C load generator. More output is
 * asked for than the machine can write, so the server must slow its intake: every delivery
 * arrives once and in order, and nobody is cut off as a slow reader. (The benchmark's
 * `overload100` runs the full size; this is the suite's short version. Counts only.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runLoadgen } from '../../bench/loadgen.ts';
import { startServer } from '../helpers/server.js';

const SENDERS = 10;
const MESSAGES = 10_000;

test(`overload: ${SENDERS} senders x ${MESSAGES} pipelined CHATs into a room of 100, default settings: all delivered, no one cut`, async () => {
  const srv = await startServer({ limits: { sendQueueBytes: 262_144 } });
  try {
    const r = await runLoadgen({
      port: srv.port,
      clients: 100,
      rooms: 1,
      senders: SENDERS,
      messages: MESSAGES,
      window: 0, // no flow control of its own: every sender writes as fast as TCP lets it
      timeoutS: 120,
    });
    console.log(
      `overload: ${r.deliveries} of ${r.expected} deliveries in ${r.elapsed_s} s, ` +
        `intake paused ${srv.server.intake.closures} times, p99 ${r.p99_ms} ms`,
    );
    assert.equal(r.expected, SENDERS * MESSAGES * 100);
    assert.equal(srv.server.drops['slow-reader'], 0, 'no reader cut off');
    assert.equal(r.disconnects, 0, 'no connection closed');
    assert.equal(r.lost, 0);
    assert.equal(r.duplicated, 0);
    assert.equal(r.reordered, 0);
    assert.equal(r.errors, 0, 'no ERROR_CODE reply');
    assert.equal(r.deliveries, r.expected, r.stderr);
    assert.ok(r.ok, r.stderr);
  } finally {
    await srv.close();
  }
});
