/**
 * The HTTP listener of `--http-port`: the web client's files at `/` and the WebSocket endpoint
 * at `/ws`, whose connections go to the same acceptor as TCP ones (src/transport/ws-gateway.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { plain, StaticFiles } from './static-files.js';
import { WS_PATH, WebSocketGateway, type GatewayOptions, type StreamSink } from './ws-gateway.js';

export interface HttpListener {
  readonly port: number;
  readonly host: string;
  readonly gateway: WebSocketGateway;
  /** Stops accepting; settles once every connection has closed (close them alongside). */
  close(): Promise<void>;
}

export interface HttpOptions extends GatewayOptions {
  readonly host: string | undefined;
  readonly port: number;
  /** Where the built web client is (dist/web). */
  readonly webRoot: string;
}

export async function listenHttp(sink: StreamSink, options: HttpOptions): Promise<HttpListener> {
  const { logger } = options;
  const files = new StaticFiles(options.webRoot);
  if (files.size === 0) {
    logger.warn({ root: options.webRoot }, 'web client not built (run ./compile.sh)');
  }
  const gateway = new WebSocketGateway(sink, options);
  const server = http.createServer((req, res) => {
    if ((req.url ?? '').split('?')[0] === WS_PATH) {
      plain(res, 426, 'this is the WebSocket endpoint: connect with a WebSocket client\n', {
        Upgrade: 'websocket',
      });
      return;
    }
    files.serve(req, res);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket, head: Buffer) =>
    gateway.upgrade(req, socket, head),
  );
  await listen(server, options.host, options.port);
  server.on('error', (err) => logger.error({ err }, 'http listener error'));
  const address = server.address() as AddressInfo;
  return {
    port: address.port,
    host: address.address,
    gateway,
    close: () =>
      new Promise<void>((resolve) => {
        gateway.close();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

function listen(server: http.Server, host: string | undefined, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ ...(host === undefined ? {} : { host }), port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
