/**
 * `--http-port`: the web client and the WebSocket gateway. Its connections enter through the
 * same acceptor as TCP and TLS ones (one count for the connection limits) and speak the
 * chat-room protocol only: the direct-message protocol needs two connections per user and
 * byte counts, and no browser client of it exists.
 */
import type { Logger } from 'pino';
import type { Acceptor } from '../conn/acceptor.js';
import type { HttpListener } from '../transport/http.js';
import type { Settings } from './config.js';

export async function listenWeb(
  acceptor: Acceptor,
  s: Settings,
  logger: Logger,
): Promise<HttpListener | undefined> {
  const port = s.int('http-port');
  if (port === undefined) return undefined;
  // Loaded only when asked for: the WebSocket library is most of a megabyte of heap.
  const { listenHttp } = await import('../transport/http.js');
  const { parseOrigins } = await import('../transport/origins.js');
  const { defaultWebRoot } = await import('../transport/static-files.js');
  const web = await listenHttp((stream, info) => acceptor.handle(stream, info, 'fallback'), {
    host: s.text('http-host') ?? s.text('host'),
    port,
    webRoot: defaultWebRoot,
    maxMessageBytes: s.int('max-ws-message-bytes') ?? 65_536,
    pingMs: s.int('ws-ping-ms') ?? 0,
    origins: parseOrigins(s.text('http-origins')),
    logger,
  });
  const shown = web.host.includes(':') ? `[${web.host}]` : web.host;
  const url = `http://${shown}:${web.port}/`;
  logger.info({ transport: 'http', host: web.host, port: web.port, url }, 'listening');
  return web;
}
