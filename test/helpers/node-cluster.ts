/**
 * A chat service of several `roomcast serve --redis` processes on loopback (port 0 each),
 * under a Redis key prefix unique to the run. `close` kills every node and client it made and
 * removes the prefix's keys, so a test registers it at once (t.after / finally) and nothing
 * outlives the test, whatever fails.
 */
import { createClient } from '@redis/client';
import { spawnServer, type ServerProcess } from './process.js';
import { deleteKeys, keysUnder, SHARED_REDIS, uniquePrefix } from './redis.js';
import { WireClient } from './wire-client.js';

export interface ClusterNode extends ServerProcess {
  readonly nodeId: string;
}

export interface NodeClusterOptions {
  /** The Redis all nodes share: the shared one unless a test runs its own. */
  readonly url?: string;
  /** What the prefix says about the test (it is made unique). */
  readonly what: string;
  readonly nodes: number;
  /** --node-timeout-ms (the product's default, 10 s, if absent). */
  readonly nodeTimeoutMs?: number;
  /** --redis-timeout-ms. */
  readonly redisTimeoutMs?: number;
  /** More `roomcast serve` flags, for every node. */
  readonly args?: readonly string[];
  /** Every node is killed after this long, whatever happens. */
  readonly lifetimeMs?: number;
}

export interface NodeCluster {
  readonly url: string;
  readonly prefix: string;
  readonly nodes: ClusterNode[];
  /** A client of node `i`, closed by `close`. */
  connect(i: number): Promise<WireClient>;
  /** Starts one more node into the same service. */
  addNode(): Promise<ClusterNode>;
  /** Every key under the prefix, sorted. */
  keys(): Promise<string[]>;
  /** One Redis command, on a connection of the test's own. */
  redis(args: readonly string[]): Promise<unknown>;
  /** Resolves once `check` (a look at Redis, say) holds; fails after `timeoutMs`. */
  until(check: () => Promise<boolean>, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves once Redis has no live room (every name forgotten, T7); fails after `timeoutMs`. */
  noRoomsLeft(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startNodeCluster(o: NodeClusterOptions): Promise<NodeCluster> {
  const url = o.url ?? SHARED_REDIS;
  const prefix = uniquePrefix(o.what);
  const nodes: ClusterNode[] = [];
  const clients: WireClient[] = [];
  let nextNode = 0;
  const flags = (nodeId: string): string[] => [
    '--redis',
    url,
    '--redis-prefix',
    prefix,
    '--node-id',
    nodeId,
    '--student-id',
    'test-id',
    '--log-level',
    'info',
    ...(o.nodeTimeoutMs === undefined ? [] : ['--node-timeout-ms', String(o.nodeTimeoutMs)]),
    ...(o.redisTimeoutMs === undefined ? [] : ['--redis-timeout-ms', String(o.redisTimeoutMs)]),
    ...(o.args ?? []),
  ];
  /** Node i is `node-<letter i>`, at nodes[i] however the starts interleave. */
  const addNode = async (): Promise<ClusterNode> => {
    const index = nextNode++;
    const nodeId = `node-${String.fromCharCode(97 + index)}`;
    const proc = await spawnServer(flags(nodeId), o.lifetimeMs ?? 60_000);
    const node = Object.assign(proc, { nodeId });
    nodes[index] = node;
    return node;
  };
  // A test may stop its own Redis: commands then fail at once rather than wait for it.
  const command = createClient({ url, disableOfflineQueue: true });
  command.on('error', () => {});
  const close = async (): Promise<void> => {
    for (const c of clients) c.close();
    const started = nodes.filter((n) => n !== undefined);
    for (const n of started) n.kill();
    await Promise.all(started.map((n) => n.exited));
    command.destroy();
    await deleteKeys(prefix, url).catch(() => 0); // a stopped private Redis holds nothing
  };
  try {
    await command.connect();
    // Together: the first SET NX of the epoch wins and every node reads the winner.
    await Promise.all(Array.from({ length: o.nodes }, addNode));
  } catch (err) {
    await close();
    throw err;
  }
  return {
    url,
    prefix,
    nodes,
    connect: async (i) => {
      const node = nodes[i];
      if (node === undefined) throw new Error(`no node ${i}`);
      const c = await WireClient.connect(node.port);
      clients.push(c);
      return c;
    },
    addNode,
    keys: () => keysUnder(prefix, url),
    redis: (args) => command.sendCommand([...args]),
    until: async (check, what, timeoutMs = 5000) => {
      const deadline = performance.now() + timeoutMs;
      while (!(await check())) {
        if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    noRoomsLeft: async (timeoutMs = 5000) => {
      const deadline = performance.now() + timeoutMs;
      while (Number(await command.sendCommand(['HLEN', `${prefix}names`])) > 0) {
        if (performance.now() > deadline) {
          const names = await command.sendCommand(['HGETALL', `${prefix}names`]);
          throw new Error(`rooms still live after ${timeoutMs} ms: ${JSON.stringify(names)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close,
  };
}

/** Failure detail: the last log lines of every node. */
export function nodeLogs(cluster: NodeCluster): string {
  return cluster.nodes.map((n) => `--- ${n.nodeId}:\n${n.logTail().slice(-3000)}`).join('\n');
}
