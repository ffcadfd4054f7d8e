/**
 * `--workers N`: N processes behind the one port (Node's cluster module: the primary accepts
 * and hands each connection to a worker in turn), serving as one chat service. Rooms span the
 * workers through the cluster seam: over Redis with `--redis`, otherwise through a hub in the
 * primary (src/cluster/room-hub.ts), which needs nothing but the machine.
 *
 * The primary serves no client. A worker that dies is replaced, and its members' leave
 * notices go out (the hub at once; with Redis, as for a dead node). SIGTERM and SIGINT stop
 * every worker with a drain; KILL_SERVICE, on any worker, stops them all.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { RoomHub } from '../cluster/room-hub.js';
import { ConfigError, type Settings } from './config.js';

/** The environment variable that gives a worker the hub's socket. */
export const HUB_ENV = 'ROOMCAST_HUB_SOCKET';

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
  if (settings.text('redis') === undefined) {
    hubPath = join(tmpdir(), `roomcast-hub-${process.pid}.sock`);
    rmSync(hubPath, { force: true });
    hub = new RoomHub(logger);
    await hub.listen(hubPath);
  }
  const env = hubPath === undefined ? {} : { [HUB_ENV]: hubPath };
  let stopping = false;
  const fork = (): Worker => {
    const worker = cluster.fork(env);
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'kill-service') stopAll('KILL_SERVICE');
    });
    return worker;
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    logger.warn({ worker: worker.id, code, signal }, 'worker died; starting another');
    fork();
  });
  const stopAll = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ why, workers: Object.keys(cluster.workers ?? {}).length }, 'stopping');
    for (const worker of Object.values(cluster.workers ?? {})) {
      // KILL_SERVICE closes without a word (T14): the workers are told so; signals drain.
      if (why === 'KILL_SERVICE') worker?.send({ type: 'kill-service' } satisfies WorkerMessage);
      else worker?.process.kill('SIGTERM');
    }
    const done = (): void => {
      void hub?.close().finally(() => {
        if (hubPath !== undefined) rmSync(hubPath, { force: true });
        logger.flush();
        process.exit(0);
      });
    };
    const check = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(check);
        done();
      }
    }, 20);
    // A worker that will not stop is not waited for forever.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
    }, 10_000).unref();
  };
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
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
