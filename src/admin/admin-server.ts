/**
 * The admin HTTP port (`--admin-port`, loopback by default): `/healthz` answers 200 while the
 * process serves; `/readyz` 200 when ready to take clients, 503 when not (a failed check, or a
 * drain begun), with the checks in a JSON body; `/metrics` is Prometheus's text format.
 * Nothing else is served: 404 for other paths, 405 for methods other than GET and HEAD.
 */
import http from 'node:http';
import type net from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Readiness } from './readiness.js';

export interface AdminOptions {
  readonly host: string;
  readonly port: number;
  readonly metrics: Registry;
  readonly readiness: Readiness;
  readonly logger: Logger;
}

export interface AdminListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

type Answer = { status: number; type: string; body: string };

const text = (status: number, body: string): Answer => ({
  status,
  type: 'text/plain; charset=utf-8',
  body,
});

async function answer(path: string, o: AdminOptions): Promise<Answer> {
  switch (path) {
    case '/healthz':
      return text(200, 'ok\n');
    case '/readyz': {
      const report = await o.readiness.report();
      const body = `${JSON.stringify({ status: report.ready ? 'ready' : 'not ready', ...report })}\n`;
      return { status: report.ready ? 200 : 503, type: 'application/json', body };
    }
    case '/metrics':
      return { status: 200, type: o.metrics.contentType, body: await o.metrics.metrics() };
    default:
      return text(404, 'not found: /healthz, /readyz and /metrics are served\n');
  }
}

export async function listenAdmin(o: AdminOptions): Promise<AdminListener> {
  const server = http.createServer((req, res) => {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET or HEAD\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    answer(path, o).then(
      (a) => {
        res.writeHead(a.status, {
          'content-type': a.type,
          'content-length': Buffer.byteLength(a.body),
          'cache-control': 'no-store',
        });
        res.end(method === 'HEAD' ? undefined : a.body);
      },
      (err: unknown) => {
        o.logger.error({ err, path }, 'admin request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      },
    );
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: o.host, port: o.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => o.logger.error({ err }, 'admin listener error'));
  const address = server.address() as net.AddressInfo;
  return {
    host: address.address,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // a scraper's keep-alive connection must not hold the exit
      }),
  };
}
