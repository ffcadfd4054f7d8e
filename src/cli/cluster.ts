/** Cluster mode from the settings: the Redis seams, or none (one process, the default). */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { RedisRooms } from '../cluster/redis-rooms.js';
import type { Seams } from '../server/chat-server.js';
import { intSetting, type RawSettings } from './config.js';

export async function clusterSeams(
  settings: RawSettings,
  logger: Logger,
): Promise<Seams | undefined> {
  const url = settings.redis;
  if (url === undefined) return undefined;
  const nodeId =
    settings['node-id'] ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const rooms = await RedisRooms.start({
    url,
    prefix: settings['redis-prefix'] ?? 'roomcast:',
    nodeId,
    nodeTimeoutMs: intSetting(settings, 'node-timeout-ms') ?? 10_000,
    timeoutMs: intSetting(settings, 'redis-timeout-ms') ?? 2000,
    logger,
  });
  return { bus: rooms, directory: rooms };
}
