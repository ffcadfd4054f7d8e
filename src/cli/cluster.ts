/** Cluster mode from the settings: the Redis seams, or none (one process, the default). */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Seams } from '../server/chat-server.js';
import type { Settings } from './config.js';

export interface Cluster {
  readonly seams: Seams;
  /** For /readyz: both Redis connections are up. */
  readonly ready: () => boolean;
}

export async function startCluster(
  settings: Settings,
  logger: Logger,
): Promise<Cluster | undefined> {
  const url = settings.text('redis');
  if (url === undefined) return undefined;
  const nodeId =
    settings.text('node-id') ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
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
