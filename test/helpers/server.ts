/** Starts a real roomcast server on 127.0.0.1, port 0, for one test file. */
import { pino } from 'pino';
import { Acceptor } from '../../src/conn/acceptor.js';
import type { AdmissionLimits } from '../../src/conn/admission.js';
import { ChatServer, type Seams } from '../../src/server/chat-server.js';
import { defaultLimits, type Limits, type ServerOptions } from '../../src/server/options.js';
import { listenTcp, type TcpListener } from '../../src/transport/tcp.js';

export interface TestServer {
  readonly port: number;
  readonly server: ChatServer;
  readonly listener: TcpListener;
  readonly acceptor: Acceptor;
  close(): Promise<void>;
}

export type TestServerOptions = Partial<Omit<ServerOptions, 'limits' | 'logger'>> & {
  limits?: Partial<Limits>;
  /** Unlimited unless given; loopback is exempt from the per-address rules unless told. */
  admission?: Partial<Omit<AdmissionLimits, 'idleTimeoutMs'>>;
  /** The bus and directory; in-process ones when absent. */
  seams?: Seams;
};

export function testOptions(overrides: TestServerOptions = {}): ServerOptions {
  return {
    studentId: 'test-id',
    killPolicy: 'any',
    advertiseHost: undefined,
    advertisePort: undefined,
    quietMs: 50,
    ...withoutAdmission(overrides),
    limits: { ...defaultLimits, ...overrides.limits },
    logger: pino({ level: 'silent' }),
  };
}

export async function startServer(overrides: TestServerOptions = {}): Promise<TestServer> {
  const options = testOptions(overrides);
  const server = new ChatServer(options, overrides.seams);
  const acceptor = new Acceptor(server, [], {
    limits: {
      maxConnections: 0,
      maxConnectionsPerAddress: 0,
      firstRequestTimeoutMs: 0,
      exemptLoopback: true,
      ...overrides.admission,
      idleTimeoutMs: options.limits.idleTimeoutMs,
    },
  });
  const listener = await listenTcp(acceptor, '127.0.0.1', 0, pino({ level: 'silent' }));
  return {
    port: listener.port,
    server,
    listener,
    acceptor,
    close: async () => {
      await Promise.all([listener.close(), acceptor.shutdown(200)]);
    },
  };
}

function withoutAdmission(o: TestServerOptions): Omit<TestServerOptions, 'admission' | 'seams'> {
  const { admission: _admission, seams: _seams, ...rest } = o;
  return rest;
}
