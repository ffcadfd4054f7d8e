/**
 * How a client reaches a server: a TCP connection, TLS over it, or the server's WebSocket
 * gateway (a `ws://` or `wss://` URL) carrying the same bytes. Either way the caller gets a
 * byte stream that ends and closes as a TCP socket does, and the address it reached.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import WebSocket, { createWebSocketStream } from 'ws';

/** Dial over TLS; `ca` (PEM) replaces the system's trusted roots, e.g. for a self-signed server. */
export interface TlsDial {
  readonly ca?: string | Buffer;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** A `ws://` or `wss://` URL: the server's WebSocket gateway instead of TCP. */
  readonly url?: string;
}

export interface Link {
  readonly stream: Duplex;
  /** The address actually reached (a host name resolved), as the peer's socket reports it. */
  readonly remoteAddress: string | undefined;
}

/** Host and port of a WebSocket URL, for the seed 003 endpoint logic and T9's Port. */
export function webSocketEndpoint(url: string): Endpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a URL: '${url}'`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new Error(`a WebSocket URL begins with ws:// or wss://, not '${url}'`);
  }
  const port = parsed.port === '' ? (parsed.protocol === 'wss:' ? 443 : 80) : Number(parsed.port);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port, url };
}

/**
 * Opens a connection, failing after `timeoutMs` rather than waiting on the OS. With `secure`,
 * TCP goes over TLS (the server's certificate must be trusted and name the host), and a
 * `wss://` URL trusts `secure.ca` too.
 */
export function dial(endpoint: Endpoint, timeoutMs: number, secure?: TlsDial): Promise<Link> {
  return endpoint.url === undefined
    ? dialTcp(endpoint, timeoutMs, secure)
    : dialWebSocket(endpoint.url, timeoutMs, secure);
}

function dialTcp(endpoint: Endpoint, timeoutMs: number, secure?: TlsDial): Promise<Link> {
  return new Promise((resolve, reject) => {
    const { host, port } = endpoint;
    const socket =
      secure === undefined
        ? net.connect({ host, port, noDelay: true })
        : tls
            .connect({
              host,
              port,
              ...(secure.ca === undefined ? {} : { ca: secure.ca }),
              ...(net.isIP(host) === 0 ? { servername: host } : {}),
            })
            .setNoDelay(true);
    const fail = (why: string): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Error(`cannot connect to ${endpoint.host}:${endpoint.port}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    socket.once(secure === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve({ stream: socket, remoteAddress: socket.remoteAddress });
    });
  });
}

/**
 * Each write becomes one binary message (its bytes exactly, cut wherever the caller cut
 * them); each message the server sends is read as bytes, text or binary alike.
 */
function dialWebSocket(url: string, timeoutMs: number, secure?: TlsDial): Promise<Link> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      handshakeTimeout: timeoutMs,
      perMessageDeflate: false,
      ...(secure?.ca === undefined ? {} : { ca: secure.ca }),
    });
    let remoteAddress: string | undefined;
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(new Error(`cannot connect to ${url}: ${why}`));
    };
    ws.once('upgrade', (res) => {
      remoteAddress = res.socket.remoteAddress;
    });
    ws.once('unexpected-response', (_req, res) =>
      fail(`HTTP ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim()),
    );
    ws.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    ws.once('open', () => {
      settled = true;
      const stream = createWebSocketStream(ws);
      // As a TCP socket without half-open: once the server has closed, so do we ('close').
      stream.once('end', () => stream.end());
      resolve({ stream, remoteAddress });
    });
  });
}
