/**
 * Heap trim: once a storm of new connections is over and the process is idle, ask V8 for a
 * memory-reducing full collection, so an idle server gives back the heap the storm grew.
 *
 * Why: under a join storm V8 grows the young generation (its two semi-spaces) from 1 MB to
 * 32 MB, and the old generation keeps the pages its collections freed but did not compact.
 * Nothing shrinks either once the server is idle (V8's own memory reducer did not run in 16 s
 * of idleness: bench/README.md, "Where an idle connection's memory goes"), so that slack costs
 * more than the idle connections themselves. `--max-semi-space-size=1` capped the young
 * generation instead, but made burst fan-out about 5 % slower and still left ~6.3 KB per idle
 * connection ("Tried and left"); the trim leaves the young generation alone while the server
 * is busy and costs one collection (30–100 ms at 5 000–10 000 connections) when it is not.
 *
 * Only after a storm: the number of connections must have moved by `stormConnections` since
 * the last trim (or start). Steady traffic regrows the young generation too, and trimming it
 * again and again would cost a full collection each time for nothing that lasts, and pause
 * clients being served.
 *
 * How: every `intervalMs` it looks at the heap's committed size, the event loop's utilisation
 * since the last look and the connections. It trims when the connections moved as above, the
 * heap has grown `growthBytes` past the mark (its size after the last trim or at start, or the
 * least it has been since), and for `stillLooks` looks in a row the heap has held still (moved
 * less than `stillBytes`), the connections too, and the loop was mostly idle (utilisation
 * below `maxElu`); and the last trim began at least `minGapMs` ago.
 */
import type * as Inspector from 'node:inspector';
import { createRequire } from 'node:module';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Logger } from 'pino';

export interface HeapTrimOptions {
  /** How often it looks at the heap (ms). */
  readonly intervalMs?: number;
  /** Growth of the heap past the mark that makes it worth a trim (bytes). */
  readonly growthBytes?: number;
  /** Less change than this between two looks counts as holding still (bytes). */
  readonly stillBytes?: number;
  /** Looks in a row the heap must hold still, with the loop idle, before a trim. */
  readonly stillLooks?: number;
  /** Event-loop utilisation (0–1) below which a look counts as idle. */
  readonly maxElu?: number;
  /** At most one trim per this many ms. */
  readonly minGapMs?: number;
  /** How many connections must have come (or gone) since the last trim: a storm. */
  readonly stormConnections?: number;
  /** A trim whose collection has not reported back after this is given up on (ms). */
  readonly giveUpMs?: number;
}

export interface HeapTrim {
  stop(): void;
}

const DEFAULTS: Required<HeapTrimOptions> = {
  intervalMs: 200,
  growthBytes: 8 * 1024 * 1024,
  stillBytes: 512 * 1024,
  stillLooks: 2,
  maxElu: 0.1,
  minGapMs: 5000,
  stormConnections: 500,
  giveUpMs: 10_000,
};

/** A full collection; calls `done` once it is over (later, or before it returns). */
type Collect = (done: () => void) => void;

const heapSize = (): number => v8.getHeapStatistics().total_heap_size;

/** `connections` counts what the process serves now (open connections, or the hub's members). */
export function startHeapTrim(
  logger: Pick<Logger, 'debug'>,
  connections: () => number,
  options: HeapTrimOptions = {},
): HeapTrim {
  const o = { ...DEFAULTS, ...options };
  let mark = heapSize();
  let lastConnections = connections();
  let last = mark;
  /** Connections come and gone since the last trim (a reconnect storm nets to nothing). */
  let moved = 0;
  let stillFor = 0;
  let elu: EventLoopUtilization = performance.eventLoopUtilization();
  let lastTrimAt = -Infinity;
  let inFlight = false;
  let stopped = false;
  let viaInspector = inspectorCollect(logger);
  let viaGc: Collect | undefined;

  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };

  const trim = (): void => {
    inFlight = true;
    lastTrimAt = performance.now();
    moved = 0;
    const beforeBytes = heapSize();
    let via = 'inspector';
    let finished = false;
    // Should the collection never report back, trimming goes on (and the next one may).
    const giveUp = setTimeout(() => {
      if (finished) return;
      finished = true;
      inFlight = false;
      logger.debug({ via, afterMs: o.giveUpMs }, 'heap trim: no answer from the collection');
    }, o.giveUpMs);
    giveUp.unref();
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(giveUp);
      const afterBytes = heapSize();
      const ms = Math.round(performance.now() - lastTrimAt);
      mark = afterBytes;
      inFlight = false;
      logger.debug({ via, beforeBytes, afterBytes, ms }, 'heap trimmed after a storm');
    };
    if (viaInspector !== undefined) {
      try {
        viaInspector(finish);
        return;
      } catch (err) {
        // connect() refused: V8's gc() instead, for this trim and every later one.
        logger.debug({ err }, 'heap trim: no inspector session, using gc()');
        viaInspector = undefined;
      }
    }
    via = 'gc';
    viaGc ??= gcCollect(logger);
    if (viaGc === undefined) {
      finished = true;
      clearTimeout(giveUp);
      inFlight = false;
      stop();
      return;
    }
    viaGc(finish);
  };

  const look = (): void => {
    const size = heapSize();
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, elu).utilization;
    elu = now;
    const served = connections();
    moved += Math.abs(served - lastConnections);
    // Still: the heap, the loop, and the connections too (a trim mid-storm would be followed
    // by another once it is over, maybe while clients are being served).
    const still =
      Math.abs(size - last) < o.stillBytes && busy < o.maxElu && served === lastConnections;
    stillFor = still ? stillFor + 1 : 0;
    last = size;
    lastConnections = served;
    // A heap that shrank by itself (clients left, V8 collected): the next storm counts from there.
    mark = Math.min(mark, size);
    if (stopped || inFlight) return;
    if (
      moved >= o.stormConnections &&
      size - mark >= o.growthBytes &&
      stillFor >= o.stillLooks &&
      performance.now() - lastTrimAt >= o.minGapMs
    ) {
      trim();
    }
  };

  const timer = setInterval(look, o.intervalMs);
  timer.unref(); // it never keeps the process alive on its own
  return { stop };
}

/**
 * The collection DevTools' "collect garbage" button runs: V8's memory-reducing full GC (as for
 * Isolate::LowMemoryNotification), which shrinks the young generation back to 1 MB and
 * compacts the old one; a plain gc() does neither. The session is in-process: no port, no
 * --inspect.
 */
function inspectorCollect(logger: Pick<Logger, 'debug'>): Collect | undefined {
  let inspector: typeof Inspector;
  try {
    // Required, not imported: a Node built without the inspector throws on loading it.
    inspector = createRequire(import.meta.url)('node:inspector') as typeof Inspector;
  } catch (err) {
    logger.debug({ err }, 'heap trim: no inspector, using gc()');
    return undefined;
  }
  return (done) => {
    const session = new inspector.Session();
    session.connect(); // throws when it cannot: the caller falls back to gc()
    try {
      post(session, done);
    } catch (err) {
      session.disconnect();
      throw err;
    }
  };
  function post(session: Inspector.Session, done: () => void): void {
    // The callback is called from within the inspector's delivery of the reply, and
    // disconnecting there deadlocks the process: the session is let go on the next turn.
    session.post('HeapProfiler.collectGarbage', (err) => {
      if (err !== null) logger.debug({ err }, 'heap trim: the collection failed');
      setImmediate(() => {
        session.disconnect();
        done();
      });
    });
  }
}

/**
 * V8's gc() without --expose-gc on the command line: the flag set now holds for contexts made
 * after it, so a new context has gc. Twice, since one full collection leaves what only a
 * second one finds dead (weak references, finalizers). It compacts less than the inspector's
 * collection and leaves the young generation as large as it grew.
 */
function gcCollect(logger: Pick<Logger, 'debug'>): Collect | undefined {
  try {
    let gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    }
    const collect = gc;
    return (done) => {
      collect();
      collect();
      done();
    };
  } catch (err) {
    logger.debug({ err }, 'heap trim: no way to collect, trimming off');
    return undefined;
  }
}
