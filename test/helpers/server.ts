/** Starts a real roomcast server on 127.0.0.1, port 0, for one test file. */
import { pino } from 'pino';
import { Acceptor } from '../../src/conn/acceptor.js';
import type { AdmissionLimits } from '../../src/conn/admission.js';
import { ChatServer, type Seams } from '../../src/server/chat-server.js';
import { defaultLimits, type Limits, type ServerOptions } from '../../src/server/options.js';
import { listenHttp, type HttpListener } from '../../src/transport/http.js';
import { parseOrigins } from '../../src/transport/origins.js';
import { defaultWebRoot } from '../../src/transport/static-files.js';
import { listenTcp, type TcpListener } from '../../src/transport/tcp.js';

export interface TestServer {
  readonly port: number;
  /** With `web`: the HTTP port, and the WebSocket URL on it. */
  readonly httpPort: number;
  readonly wsUrl: string;
  readonly web: HttpListener | undefined;
  readonly server: ChatServer;
  readonly listener: TcpListener;
  readonly acceptor: Acceptor;
  close(): Promise<void>;
}

export interface TestWebOptions {
  /** `--http-origins` */
  readonly origins?: string;
  readonly maxMessageBytes?: number;
  readonly pingMs?: number;
  readonly webRoot?: string;
}

export type TestServerOptions = Partial<Omit<ServerOptions, 'limits' | 'logger'>> & {
  limits?: Partial<Limits>;
  /** Unlimited unless given; loopback is exempt from the per-address rules unless told. */
  admission?: Partial<Omit<AdmissionLimits, 'idleTimeoutMs'>>;
  /** The bus and directory; in-process ones when absent. */
  seams?: Seams;
  /** Also the HTTP listener with the WebSocket gateway, as `serve --http-port 0` has. */
  web?: TestWebOptions;
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
  const w = overrides.web;
  const web =
    w === undefined
      ? undefined
      : await listenHttp((stream, info) => acceptor.handle(stream, info, 'fallback'), {
          host: '127.0.0.1',
          port: 0,
          webRoot: w.webRoot ?? defaultWebRoot,
          maxMessageBytes: w.maxMessageBytes ?? 65_536,
          pingMs: w.pingMs ?? 0,
          origins: parseOrigins(w.origins),
          logger: pino({ level: 'silent' }),
        });
  return {
    port: listener.port,
    httpPort: web?.port ?? 0,
    wsUrl: `ws://127.0.0.1:${web?.port ?? 0}/ws`,
    web,
    server,
    listener,
    acceptor,
    close: async () => {
      await Promise.all([listener.close(), web?.close(), acceptor.shutdown(200)]);
    },
  };
}

function withoutAdmission(
  o: TestServerOptions,
): Omit<TestServerOptions, 'admission' | 'seams' | 'web'> {
  const { admission: _admission, seams: _seams, web: _web, ...rest } = o;
  return rest;
}
