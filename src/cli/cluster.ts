/** Cluster mode from the settings: the Redis seams, or none (one process, the default). */
import { randomBytes } from 'node:crypto';
import cluster from 'node:cluster';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Seams } from '../server/chat-server.js';
import type { Settings } from './config.js';
import { HUB_ENV } from './workers.js';

export interface Cluster {
  readonly seams: Seams;
  /** For /readyz: both Redis connections are up. */
  readonly ready: () => boolean;
}

export async function startCluster(
  settings: Settings,
  logger: Logger,
): Promise<Cluster | undefined> {
  const hubPath = process.env[HUB_ENV];
  if (hubPath !== undefined && cluster.isWorker) {
    // A worker of `--workers N` without Redis: the primary's hub is the service's rooms.
    const { HubRooms } = await import('../cluster/hub-rooms.js');
    const rooms = await HubRooms.connect(hubPath, () => {
      logger.fatal('the primary process is gone: stopping');
      process.exit(1);
    });
    return { seams: { bus: rooms, directory: rooms }, ready: () => true };
  }
  const url = settings.text('redis');
  if (url === undefined) return undefined;
  const base =
    settings.text('node-id') ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  // Each worker of `--workers N` is a node of its own.
  const nodeId = cluster.isWorker ? `${base}-w${cluster.worker?.id ?? 0}` : base;
  // Loaded only in cluster mode: one process needs no Redis client.
  const { RedisRooms } = await import('../cluster/redis-rooms.js');
  const rooms = await RedisRooms.start({
    url,
    prefix: settings.text('redis-prefix') ?? 'roomcast:',
    nodeId,
    nodeTimeoutMs: settings.int('node-timeout-ms') ?? 10_000,
    timeoutMs: settings.int('redis-timeout-ms') ?? 2000,
    logger,
  });
  return { seams: { bus: rooms, directory: rooms }, ready: () => rooms.ready };
}
