// The Redis the cluster servers (cluster1, cluster2) share: the runner checks it answers,
// reads its CPU time around a run (it is part of what the cluster path costs) and removes the
// run's keys afterwards. Redis's own client (@redis/client), which roomcast already uses.
import { createClient, type RedisClientType } from '@redis/client';

export const DEFAULT_REDIS = 'redis://127.0.0.1:6379';

/** The URL if it names a Redis on a loopback address; otherwise an error saying why. */
export function loopbackRedis(url: string): string {
  let host: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'redis:') throw new Error('not redis:');
    host = u.hostname;
  } catch {
    throw new Error(`--redis wants redis://HOST:PORT (got ${url})`);
  }
  // The benchmark stays on this machine: the nodes' Redis traffic too.
  if (!/^127\.\d+\.\d+\.\d+$/.test(host) && host !== 'localhost')
    throw new Error(`--redis must be on a loopback address (127.x or localhost; got ${host})`);
  return url;
}

/** A connection to the shared Redis for one run: CPU samples and key removal. */
export class RedisProbe {
  private constructor(private readonly client: RedisClientType) {}

  /** Fails within about 2 s if Redis does not answer. */
  static async connect(url: string): Promise<RedisProbe> {
    const client: RedisClientType = createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2000, reconnectStrategy: false },
    });
    client.on('error', () => {}); // a failed command rejects; nothing to log twice
    await client.connect();
    return new RedisProbe(client);
  }

  /**
   * Redis's user + system CPU seconds so far (INFO cpu). Redis is shared: this counts
   * everything it did, other clients' work included.
   */
  async cpuSeconds(): Promise<number> {
    try {
      const info = await this.client.info('cpu');
      const field = (k: string): number =>
        Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1]);
      return field('used_cpu_user') + field('used_cpu_sys');
    } catch {
      return NaN;
    }
  }

  /** Removes every key under `prefix`; returns how many there were. */
  async deleteKeys(prefix: string): Promise<number> {
    let removed = 0;
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`; // the prefix taken literally
    for await (const keys of this.client.scanIterator({ MATCH: match, COUNT: 1000 }))
      if (keys.length > 0) removed += await this.client.unlink(keys);
    return removed;
  }

  close(): void {
    this.client.destroy();
  }
}

/** Removes every key under `prefix` with a connection of its own (after a run, on Ctrl-C). */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const probe = await RedisProbe.connect(url);
  try {
    return await probe.deleteKeys(prefix);
  } finally {
    probe.close();
  }
}
