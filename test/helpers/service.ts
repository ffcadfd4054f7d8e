/**
 * One chat service for a test: a single in-process server, or several nodes sharing rooms
 * through a cluster's seams (the delayed in-process cluster, or Redis at 127.0.0.1:6379 under a
 * prefix unique to the run, its keys removed at the close). Clients that connect
 * with `connect` are spread over the nodes in turn, so rule tests exercise every path a room
 * can take between nodes.
 */
import { DelayedCluster } from '../fixtures/delayed-cluster.js';
import { deleteKeys, redisSeams, uniquePrefix } from './redis.js';
import { startServer, type TestServer, type TestServerOptions } from './server.js';
import { WireClient } from './wire-client.js';

export type ServiceKind = 'in-process' | 'delayed cluster of two' | 'Redis cluster of two';

export const serviceKinds: readonly ServiceKind[] = [
  'in-process',
  'delayed cluster of two',
  'Redis cluster of two',
];

export interface TestService {
  readonly kind: ServiceKind;
  readonly nodes: readonly TestServer[];
  /** Connects to the next node in turn. */
  connect(): Promise<WireClient>;
  close(): Promise<void>;
}

export async function startService(
  kind: ServiceKind,
  options: TestServerOptions = {},
): Promise<TestService> {
  let nodes: TestServer[];
  let cleanup = async (): Promise<void> => {};
  if (kind === 'in-process') {
    nodes = [await startServer(options)];
  } else if (kind === 'Redis cluster of two') {
    const prefix = uniquePrefix('service');
    nodes = [
      await startServer({ ...options, seams: await redisSeams(prefix, 'node-a') }),
      await startServer({ ...options, seams: await redisSeams(prefix, 'node-b') }),
    ];
    cleanup = async () => {
      await deleteKeys(prefix);
    };
  } else {
    const cluster = new DelayedCluster({ seed: 1, maxDelayMs: 5, duplicateOneIn: 4 });
    const seams = (): NonNullable<TestServerOptions['seams']> => {
      const node = cluster.node();
      return { bus: node, directory: node };
    };
    nodes = [
      await startServer({ ...options, seams: seams() }),
      await startServer({ ...options, seams: seams() }),
    ];
  }
  let turn = 0;
  return {
    kind,
    nodes,
    connect: () => WireClient.connect((nodes[turn++ % nodes.length] as TestServer).port),
    close: async () => {
      await Promise.all(nodes.map((n) => n.close()));
      await cleanup();
    },
  };
}

/** The port a client reached (its server's, for HELO and JOINED_CHATROOM). */
export function portOf(c: WireClient): number {
  return c.socket.remotePort ?? 0;
}
