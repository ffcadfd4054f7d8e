/**
 * One chat service for a test: a single in-process server, or several nodes sharing rooms
 * through a cluster's seams (the delayed in-process cluster, or Redis). Clients that connect
 * with `connect` are spread over the nodes in turn, so rule tests exercise every path a room
 * can take between nodes.
 */
import { DelayedCluster } from '../fixtures/delayed-cluster.js';
import { startServer, type TestServer, type TestServerOptions } from './server.js';
import { WireClient } from './wire-client.js';

export type ServiceKind = 'in-process' | 'delayed cluster of two';

export const serviceKinds: readonly ServiceKind[] = ['in-process', 'delayed cluster of two'];

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
  if (kind === 'in-process') {
    nodes = [await startServer(options)];
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
    },
  };
}

/** The port a client reached (its server's, for HELO and JOINED_CHATROOM). */
export function portOf(c: WireClient): number {
  return c.socket.remotePort ?? 0;
}
