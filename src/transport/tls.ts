/**
 * The TLS listener, beside the TCP one: the same connection sink (the Acceptor, so the same
 * admission, sniffing, limits and refusals), with TLS at the edge. Each accepted TCP socket is
 * wrapped in a server-side TLSSocket at once and handed on before the handshake: the acceptor
 * counts it in at accept time, its timers cover the handshake, and what it writes (a refusal)
 * goes out encrypted once the handshake is done. A client that does not speak TLS (plain text
 * on this port) fails the handshake on its first bytes: the socket is destroyed, the failure
 * logged at debug and counted, and nobody else notices.
 *
 * The certificate and key are re-read by `reload()` (SIGHUP): new connections get the new
 * pair, open ones keep theirs. A pair that does not load leaves the old one in use.
 */
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { listenSockets, socketInfo, type ConnectionSink, type TcpListener } from './tcp.js';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsListener extends TcpListener {
  /** Re-reads the certificate and key; throws (and keeps the old pair) if they do not load. */
  reload(): void;
  /** Handshakes that failed (plain text on the TLS port, a client that distrusts us, ...). */
  readonly handshakeFailures: number;
}

/** Reads and checks a certificate and key; the error says which file is wrong and why. */
export function loadSecureContext(files: TlsFiles): tls.SecureContext {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new Error(`cannot read the TLS ${what} ${path} (${why})`, { cause: err });
    }
  };
  const cert = read('certificate', files.certFile);
  const key = read('key', files.keyFile);
  try {
    return tls.createSecureContext({ cert, key });
  } catch (err) {
    const why = (err as Error).message;
    throw new Error(`cannot use ${files.certFile} with ${files.keyFile}: ${why}`, { cause: err });
  }
}

export async function listenTls(
  sink: ConnectionSink,
  host: string | undefined,
  port: number,
  files: TlsFiles,
  logger: Logger,
): Promise<TlsListener> {
  let context = loadSecureContext(files);
  let handshakeFailures = 0;
  const accept = (raw: net.Socket): void => {
    const info = socketInfo(raw, 'tls');
    const socket = new tls.TLSSocket(raw, { isServer: true, secureContext: context });
    const onHandshakeError = (err: NodeJS.ErrnoException): void => {
      handshakeFailures++;
      if (logger.isLevelEnabled('debug')) {
        const remote = `${info.remoteAddress}:${info.remotePort}`;
        logger.debug({ remote, why: err.code ?? err.message }, 'tls handshake failed');
      }
    };
    socket.once('error', onHandshakeError);
    socket.once('secure', () => socket.off('error', onHandshakeError));
    sink.handle(socket, info);
  };
  const listener = await listenSockets(accept, host, port, logger);
  return {
    port: listener.port,
    host: listener.host,
    close: () => listener.close(),
    reload: () => {
      context = loadSecureContext(files);
    },
    get handshakeFailures() {
      return handshakeFailures;
    },
  };
}
