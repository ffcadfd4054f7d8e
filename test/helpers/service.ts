/**
 * One chat service for a test: a single in-process server, or several nodes sharing rooms
 * through a cluster's seams (the delayed in-process cluster, the hub that `--workers` uses
 * without Redis, or Redis at 127.0.0.1:6379 under a prefix unique to the run, its keys removed
 * at the close), or a real `roomcast serve --workers 2` process. Clients that connect with
 * `connect` are spread over the nodes in turn (the workers' primary hands connections to its
 * workers in turn), so rule tests exercise every path a room can take between nodes.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { HubRooms } from '../../src/cluster/hub-rooms.js';
import { RoomHub } from '../../src/cluster/room-hub.js';
import { DelayedCluster } from '../fixtures/delayed-cluster.js';
import { spawnServer } from './process.js';
import { deleteKeys, redisSeams, uniquePrefix } from './redis.js';
import { startServer, type TestServer, type TestServerOptions } from './server.js';
import { WireClient } from './wire-client.js';

export type ServiceKind =
  | 'in-process'
  | 'delayed cluster of two'
  | 'hub of two workers'
  | 'Redis cluster of two'
  | 'roomcast serve --workers 2';

export const serviceKinds: readonly ServiceKind[] = [
  'in-process',
  'delayed cluster of two',
  'hub of two workers',
  'Redis cluster of two',
  'roomcast serve --workers 2',
];

export interface TestService {
  readonly kind: ServiceKind;
  readonly nodes: readonly TestServer[];
  /** Connects to the next node in turn. */
  connect(): Promise<WireClient>;
  close(): Promise<void>;
}

let hubs = 0;

export async function startService(
  kind: ServiceKind,
  options: TestServerOptions = {},
): Promise<TestService> {
  let nodes: TestServer[];
  let cleanup = async (): Promise<void> => {};
  if (kind === 'roomcast serve --workers 2') {
    // The options are for in-process servers; the process has the test servers' settings.
    const proc = await spawnServer(
      ['--workers', '2', '--student-id', 'test-id', '--kill-policy', 'any', '--quiet-ms', '50'],
      600_000,
    );
    return {
      kind,
      nodes: [],
      connect: () => WireClient.connect(proc.port),
      close: async () => {
        await proc.stop();
      },
    };
  }
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
  } else if (kind === 'hub of two workers') {
    const path = join(tmpdir(), `roomcast-test-hub-${process.pid}-${++hubs}.sock`);
    rmSync(path, { force: true });
    const hub = new RoomHub(pino({ level: 'silent' }));
    await hub.listen(path);
    const seams = async (): Promise<NonNullable<TestServerOptions['seams']>> => {
      const rooms = await HubRooms.connect(path, () => {});
      return { bus: rooms, directory: rooms };
    };
    nodes = [
      await startServer({ ...options, seams: await seams() }),
      await startServer({ ...options, seams: await seams() }),
    ];
    cleanup = async () => {
      await hub.close();
      rmSync(path, { force: true });
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
