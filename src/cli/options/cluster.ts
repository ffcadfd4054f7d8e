/**
 * Running several nodes as one service (docs/cluster.md): the Redis they share and the key
 * prefix that makes them one service, this node's id, and how soon a silent node is taken
 * for dead; and how many worker processes serve the port. Without --redis and --workers,
 * roomcast is one process and none of these is used.
 */
import type { OptionSpec } from './spec.js';

export const clusterOptions = [
  {
    flag: 'redis',
    arg: 'URL',
    env: 'ROOMCAST_REDIS',
    group: 'cluster',
    kind: 'string',
    shownDefault: 'none: one process',
    help: 'cluster mode: redis://HOST:PORT of the Redis the nodes of one service share',
  },
  {
    flag: 'redis-prefix',
    arg: 'PREFIX',
    env: 'ROOMCAST_REDIS_PREFIX',
    group: 'cluster',
    kind: 'string',
    default: 'roomcast:',
    help: 'every key and channel starts with it; nodes with the same Redis and prefix are one service',
  },
  {
    flag: 'node-id',
    arg: 'ID',
    env: 'ROOMCAST_NODE_ID',
    group: 'cluster',
    kind: 'string',
    shownDefault: 'host name, pid and a random part (logged)',
    help: "this node's name in the service",
  },
  {
    flag: 'node-timeout-ms',
    arg: 'MS',
    env: 'ROOMCAST_NODE_TIMEOUT_MS',
    group: 'cluster',
    kind: 'int',
    min: 3000,
    max: 3_600_000,
    default: 10_000,
    help: "a node silent this long is taken for dead; the others publish its members' leave notices",
  },
  {
    flag: 'redis-timeout-ms',
    arg: 'MS',
    env: 'ROOMCAST_REDIS_TIMEOUT_MS',
    group: 'cluster',
    kind: 'int',
    min: 100,
    max: 600_000,
    default: 2000,
    help: 'a request Redis does not answer within this gets error 16',
  },
  {
    flag: 'workers',
    arg: 'N',
    env: 'ROOMCAST_WORKERS',
    group: 'cluster',
    kind: 'string',
    default: '1',
    help: 'processes serving the one port as one service (auto: one per core); without --redis they share rooms through the primary process',
  },
] as const satisfies readonly OptionSpec[];
