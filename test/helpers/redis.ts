/**
 * Redis for tests: the shared one at 127.0.0.1:6379 with a key prefix unique to the run,
 * removed after; or a private redis-server on a free port, for tests that stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createClient } from '@redis/client';
import { pino } from 'pino';
import { RedisRooms } from '../../src/cluster/redis-rooms.js';
import type { Seams } from '../../src/server/chat-server.js';

export const SHARED_REDIS = 'redis://127.0.0.1:6379';

export function uniquePrefix(what: string): string {
  return `rctest:${what}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Removes every key under `prefix`. */
export async function deleteKeys(prefix: string, url = SHARED_REDIS): Promise<number> {
  const client = createClient({ url });
  await client.connect();
  let removed = 0;
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) removed += await client.del(keys);
    }
  } finally {
    client.destroy();
  }
  return removed;
}

/** The keys under `prefix`, for tests that check what Redis holds. */
export async function keysUnder(prefix: string, url = SHARED_REDIS): Promise<string[]> {
  const client = createClient({ url });
  await client.connect();
  const out: string[] = [];
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      out.push(...keys);
    }
  } finally {
    client.destroy();
  }
  return out.sort();
}

export interface ClusterSeamsOptions {
  readonly url?: string;
  readonly nodeTimeoutMs?: number;
  readonly timeoutMs?: number;
}

/** One node's Redis seams, for an in-process ChatServer. */
export async function redisSeams(
  prefix: string,
  nodeId: string,
  o: ClusterSeamsOptions = {},
): Promise<Seams> {
  const rooms = await RedisRooms.start({
    url: o.url ?? SHARED_REDIS,
    prefix,
    nodeId,
    nodeTimeoutMs: o.nodeTimeoutMs ?? 10_000,
    timeoutMs: o.timeoutMs ?? 2000,
    logger: pino({ level: 'silent' }),
  });
  return { bus: rooms, directory: rooms };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() =>
        a !== null && typeof a === 'object' ? resolve(a.port) : reject(new Error('port')),
      );
    });
  });
}

/** A redis-server of the test's own, on a free port: the test may stop and restart it. */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (empty: it keeps nothing on disk) and waits until it answers. */
  async up(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops it at once (SIGKILL: what it held is gone). */
  async down(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGKILL');
    await closed;
  }
}

/** True if a Redis answers PING on `port`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => s.write('PING\r\n'));
    s.once('data', (d) => {
      resolve(d.toString().startsWith('+PONG'));
      s.destroy();
    });
    s.once('error', () => resolve(false));
  });
}
