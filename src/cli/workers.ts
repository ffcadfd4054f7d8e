/**
 * `--workers N`: N processes behind the one port (Node's cluster module: the primary accepts
 * and hands each connection to a worker in turn), serving as one chat service. Rooms span the
 * workers through the cluster seam: over Redis with `--redis`, otherwise through a hub in the
 * primary (src/cluster/room-hub.ts), which needs nothing but the machine.
 *
 * The primary serves no client. A worker that dies is replaced, and its members' leave
 * notices go out (the hub at once; with Redis, as for a dead node); workers that keep dying
 * as they start stop the service (status 1). SIGTERM and SIGINT stop every worker with a
 * drain; KILL_SERVICE, on any worker, stops them all; SIGHUP is passed on to every worker.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { RoomHub } from '../cluster/room-hub.js';
import { startHeapTrim } from './heap-trim.js';
import { ConfigError, type Settings } from './config.js';

/** The environment variable that gives a worker the hub's socket. */
export const HUB_ENV = 'ROOMCAST_HUB_SOCKET';

/** A worker that dies sooner than this after it was started died early. */
const EARLY_DEATH_MS = 10_000;
/** Early deaths in a row after which the primary gives up. */
const MAX_EARLY_DEATHS = 5;

/** Messages between the primary and its workers. */
type WorkerMessage = { readonly type: 'kill-service' };

export function workerCount(settings: Settings): number {
  const raw = settings.text('workers') ?? '1';
  if (raw === 'auto') return availableParallelism();
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 256) {
    throw new ConfigError(`--workers (ROOMCAST_WORKERS) must be auto or 1 to 256, not '${raw}'`);
  }
  return n;
}

/** Runs the primary: the hub (unless Redis carries the rooms) and `n` workers. */
export async function runPrimary(settings: Settings, logger: Logger, n: number): Promise<void> {
  let hubPath: string | undefined;
  let hub: RoomHub | undefined;
  let hubDir: string | undefined;
  if (settings.text('redis') === undefined) {
    // In a directory of its own (mode 0700, a name nobody can guess beforehand): no other
    // user can take the socket's name first, or reach the hub through it.
    hubDir = mkdtempSync(join(tmpdir(), 'roomcast-hub-'));
    hubPath = join(hubDir, 'hub.sock');
    hub = new RoomHub(logger);
    await hub.listen(hubPath);
  }
  // The hub holds every worker's members: its heap grows with a storm of joins as theirs do
  // (src/cli/heap-trim.ts). Without it the primary only hands connections on.
  const rooms = hub;
  const heapTrim = rooms === undefined ? undefined : startHeapTrim(logger, () => rooms.memberCount);
  const env = hubPath === undefined ? {} : { [HUB_ENV]: hubPath };
  let stopping = false;
  let exitCode = 0;
  const startedAt = new Map<Worker, number>();
  /** Workers in a row that died soon after they started (a port in use, a broken install). */
  let earlyDeaths = 0;
  const fork = (): void => {
    if (stopping) return;
    const worker = cluster.fork(env);
    startedAt.set(worker, Date.now());
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'kill-service') stopAll('KILL_SERVICE');
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) return;
    earlyDeaths = lived < EARLY_DEATH_MS ? earlyDeaths + 1 : 0;
    if (earlyDeaths >= MAX_EARLY_DEATHS) {
      // Starting more would only fail the same way, forever: stop, and say so.
      logger.fatal(
        { worker: worker.id, code, signal, deaths: earlyDeaths },
        `workers keep dying within ${EARLY_DEATH_MS} ms of starting: stopping the service`,
      );
      exitCode = 1;
      stopAll('workers failing');
      return;
    }
    // Soon after a death, at once; after several early ones, after a growing pause.
    const delayMs = earlyDeaths === 0 ? 0 : Math.min(100 * 2 ** earlyDeaths, 5000);
    logger.warn({ worker: worker.id, code, signal, delayMs }, 'worker died; starting another');
    setTimeout(fork, delayMs);
  });
  const stopAll = (why: string): void => {
    if (stopping) return;
    stopping = true;
    heapTrim?.stop();
    logger.info({ why, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping');
    for (const worker of Object.values(cluster.workers ?? {})) {
      // KILL_SERVICE closes without a word (T14): the workers are told so; signals drain.
      if (why === 'KILL_SERVICE') worker?.send({ type: 'kill-service' } satisfies WorkerMessage);
      else worker?.process.kill('SIGTERM');
    }
    const done = (): void => {
      void (hub?.close() ?? Promise.resolve()).finally(() => {
        if (hubDir !== undefined) rmSync(hubDir, { recursive: true, force: true });
        logger.flush();
        process.exit(exitCode);
      });
    };
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        done();
      }
    }, 20);
    // A worker that will not stop is not waited for forever: its drain, then 10 s more.
    setTimeout(
      () => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      },
      (settings.int('drain-delay-ms') ?? 0) + 10_000,
    ).unref();
  };
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  // Each worker re-reads the TLS certificate, as one process does on SIGHUP.
  process.on('SIGHUP', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGHUP');
  });
  logger.info({ workers: n, rooms: hub === undefined ? 'redis' : 'hub' }, 'starting workers');
  for (let i = 0; i < n; i++) fork();
}

/** In a worker: asks the primary to stop every worker (KILL_SERVICE). */
export function killService(): void {
  process.send?.({ type: 'kill-service' } satisfies WorkerMessage);
}

/** In a worker: calls `onKill` when the primary stops the service for KILL_SERVICE. */
export function onPrimaryKill(onKill: () => void): void {
  process.on('message', (message: WorkerMessage) => {
    if (message.type === 'kill-service') onKill();
  });
}

export const isWorker = (): boolean => cluster.isWorker;
