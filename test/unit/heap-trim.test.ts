/**
 * The heap trim on this process's own heap: garbage grows the heap past a small threshold
 * while the connections counted move as in a storm, the process goes idle, and the trim must
 * give the heap back; without a storm, or stopped, it never runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import v8 from 'node:v8';
import { pino } from 'pino';
import { startHeapTrim, type HeapTrimOptions } from '../../src/cli/heap-trim.js';

const MiB = 1024 * 1024;
const heapSize = (): number => v8.getHeapStatistics().total_heap_size;

/** Small thresholds, quick looks: a trim within a second of the heap going still. */
const quick: HeapTrimOptions = {
  intervalMs: 50,
  growthBytes: 4 * MiB,
  stillBytes: 512 * 1024,
  stillLooks: 2,
  maxElu: 0.25,
  minGapMs: 0,
  stormConnections: 100,
};

/** The connections a trim counts: none when it starts, then a storm of 1 000 came. */
function storm(): () => number {
  let looks = 0;
  return () => (looks++ === 0 ? 0 : 1000);
}
/** No connection came or went. */
const calm = (): number => 0;

interface Trimmed {
  via: string;
  beforeBytes: number;
  afterBytes: number;
  ms: number;
}

/** A debug logger that keeps the trims it is told of. */
function capture(): { logger: pino.Logger; trims: Trimmed[] } {
  const trims: Trimmed[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const rec = JSON.parse(line) as Trimmed & { msg: string };
        if (rec.msg === 'heap trimmed after a storm') trims.push(rec);
      },
    },
  );
  return { logger, trims };
}

/** Allocates about 40 MB of objects that are garbage once it returns; the heap size after. */
function growHeap(): number {
  const objects: { i: number; s: string }[] = [];
  for (let i = 0; i < 400_000; i++) objects.push({ i, s: `message ${i}` });
  assert.equal(objects.length, 400_000);
  return heapSize();
}

async function until(what: string, ok: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`not within ${deadlineMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a heap grown past the threshold, then still, is trimmed back', async () => {
  const { logger, trims } = capture();
  const start = heapSize();
  const trim = startHeapTrim(logger, storm(), quick);
  try {
    const grown = growHeap();
    assert.ok(grown - start >= 8 * MiB, `the heap grew (${start} -> ${grown})`);
    await until('a trim', () => trims.length > 0);
    const t = trims[0] as Trimmed;
    // The inspector's collection, which shrinks the young generation (gc() would not).
    assert.equal(t.via, 'inspector');
    assert.ok(t.beforeBytes - start >= 4 * MiB, 'it trimmed a heap grown past the threshold');
    // The garbage is gone and its pages given back: at least half of what it grew.
    assert.ok(
      t.beforeBytes - t.afterBytes >= (grown - start) / 2,
      `the trim shrank the heap (${t.beforeBytes} -> ${t.afterBytes}, grown from ${start})`,
    );
    assert.ok(heapSize() < grown - (grown - start) / 2, 'and it stays smaller');
    assert.ok(t.ms >= 0);
  } finally {
    trim.stop();
  }
});

test('a stopped trim never trims, where a running one does', async () => {
  const stopped = capture();
  const running = capture();
  // The stopped one would see the same heap first: it needs fewer still looks.
  const first = startHeapTrim(stopped.logger, storm(), quick);
  first.stop();
  const second = startHeapTrim(running.logger, storm(), { ...quick, stillLooks: 6 });
  try {
    growHeap();
    await until('a trim', () => running.trims.length + stopped.trims.length > 0);
    assert.deepEqual(stopped.trims, [], 'no trim after stop()');
  } finally {
    second.stop();
  }
});

test('no trim while the heap stays below the threshold', async () => {
  const { logger, trims } = capture();
  const witness = capture();
  const trim = startHeapTrim(logger, storm(), { ...quick, growthBytes: 512 * MiB });
  const other = startHeapTrim(witness.logger, storm(), { ...quick, stillLooks: 6 });
  try {
    growHeap();
    await until('a trim', () => witness.trims.length + trims.length > 0);
    assert.deepEqual(trims, [], 'grown by less than growthBytes: no trim');
  } finally {
    trim.stop();
    other.stop();
  }
});

test('no trim when the heap grew but no storm of connections came (steady traffic)', async () => {
  const { logger, trims } = capture();
  const witness = capture();
  const trim = startHeapTrim(logger, calm, quick);
  const other = startHeapTrim(witness.logger, storm(), { ...quick, stillLooks: 6 });
  try {
    growHeap();
    await until('a trim', () => witness.trims.length + trims.length > 0);
    assert.deepEqual(trims, [], 'the connections did not move: no trim');
  } finally {
    trim.stop();
    other.stop();
  }
});

test('a reconnect storm (1 000 gone, 1 000 back: no net change) is a storm too', async () => {
  const { logger, trims } = capture();
  const counts = [0, 1000, 0, 1000];
  let looks = 0;
  const churn = (): number => counts[Math.min(looks++, counts.length - 1)] ?? 1000;
  const trim = startHeapTrim(logger, churn, { ...quick, stormConnections: 1500 });
  try {
    growHeap();
    await until('a trim', () => trims.length > 0);
  } finally {
    trim.stop();
  }
});
