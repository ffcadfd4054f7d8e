/**
 * Redis for tests: the shared one at 127.0.0.1:6379 with a key prefix unique to the run,
 * removed after; or a private redis-server on a free port, for tests that stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { createClient } from '@redis/client';
import { pino } from 'pino';
import { RedisRooms } from '../../src/cluster/redis-rooms.js';
import type { Seams } from '../../src/server/chat-server.js';

export const SHARED_REDIS = 'redis://127.0.0.1:6379';

export function uniquePrefix(what: string): string {
  return `rctest:${what}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** A client for one look or clean-up: fails, rather than waits, when Redis is not there. */
function oneShotClient(url: string): ReturnType<typeof createClient> {
  return createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: false, connectTimeout: 2000 },
  });
}

/** Removes every key under `prefix`. */
export async function deleteKeys(prefix: string, url = SHARED_REDIS): Promise<number> {
  const client = oneShotClient(url);
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
  const client = oneShotClient(url);
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

/**
 * A redis-server of the test's own, on a free port, in a directory of its own: the test may
 * stop it (as if it crashed: what it held is gone), freeze it (SIGSTOP: connected, silent),
 * or shut it down saving its data and start it again with that data (a Redis with
 * persistence, restarted). `close` stops it and removes the directory.
 */
export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const dir = await mkdtemp(join(tmpdir(), 'roomcast-redis-'));
    const redis = new PrivateRedis(await freePort(), dir);
    await redis.up();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts it and waits until it answers: empty, unless `keepData` and it was shut down with
   * `shutdownSaving` (it saves nothing by itself).
   */
  async up(o: { keepData?: boolean } = {}): Promise<void> {
    if (o.keepData !== true) await rm(join(this.dir, DUMP), { force: true });
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    this.child = spawn('redis-server', [...args, '--dir', this.dir, '--dbfilename', DUMP], {
      stdio: 'ignore',
    });
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

  /** SHUTDOWN SAVE: it writes what it holds to disk, drops every client and exits. */
  async shutdownSaving(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const closed = new Promise((resolve) => child.once('close', resolve));
    const s = net.connect(this.port, '127.0.0.1');
    s.on('error', () => {}); // the server closes it as it exits
    s.write('SHUTDOWN SAVE\r\n');
    await closed;
    s.destroy();
  }

  /** SIGSTOP: connections stay open and nothing answers, until `thaw`. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }

  async close(): Promise<void> {
    this.thaw();
    await this.down();
    await rm(this.dir, { recursive: true, force: true });
  }
}

const DUMP = 'dump.rdb';

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
