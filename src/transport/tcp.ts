/** The TCP listener: accepts sockets and hands each to the server as a connection. */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ConnectionInfo } from '../conn/info.js';

/** Whatever takes accepted connections: the Acceptor, or one protocol's server directly. */
export interface ConnectionSink {
  handle(stream: Duplex, info: ConnectionInfo): void;
}

export interface TcpListener {
  readonly port: number;
  readonly host: string;
  /**
   * Stops accepting. The promise settles once every accepted connection has closed too, so
   * close the connections (the server's shutdown) alongside, not after.
   */
  close(): Promise<void>;
}

/**
 * Where a socket came from and which address of ours it reached (T9), read once. The address
 * strings are shared among the connections that have the same one (an idle connection keeps
 * its info for life: two fresh copies of "127.0.0.1" each would be 64 bytes of it), and the
 * copies net.Socket caches on first read (`_peername`, `_sockname`: 112 bytes more) are let go;
 * while the socket is open net.Socket reads them again should anything ask (once it has
 * closed it has none: read them from the info).
 */
export function socketInfo(socket: net.Socket, transport: string): ConnectionInfo {
  const info = {
    remoteAddress: sharedAddress(socket.remoteAddress ?? ''),
    remotePort: socket.remotePort ?? 0,
    localAddress: sharedAddress(socket.localAddress ?? ''),
    localPort: socket.localPort ?? 0,
    transport,
  };
  const cached = socket as unknown as { _peername?: unknown; _sockname?: unknown };
  cached._peername = undefined;
  cached._sockname = undefined;
  return info;
}

/** Addresses seen lately, each kept once; forgotten all at once when there are too many. */
const addresses = new Map<string, string>();
const MAX_SHARED_ADDRESSES = 4096;

function sharedAddress(address: string): string {
  const known = addresses.get(address);
  if (known !== undefined) return known;
  if (addresses.size >= MAX_SHARED_ADDRESSES) addresses.clear();
  addresses.set(address, address);
  return address;
}

/** A listening TCP socket that gives every accepted socket to `accept`; TLS builds on it. */
export async function listenSockets(
  accept: (socket: net.Socket) => void,
  host: string | undefined,
  port: number,
  logger: Logger,
): Promise<TcpListener> {
  // keepAlive finds peers that vanished without a FIN (a member who only reads sends nothing).
  // Half-open: a peer that pipes its requests and then closes its side still gets every
  // answer; the connection closes ours once they are all served (src/conn/connection.ts).
  const listener = net.createServer(
    { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000, allowHalfOpen: true },
    accept,
  );
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ ...(host === undefined ? {} : { host }), port, backlog: 1024 }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', (err) => logger.error({ err }, 'listener error'));
  const address = listener.address() as net.AddressInfo;
  return {
    port: address.port,
    host: address.address,
    close: () =>
      new Promise<void>((resolve) => {
        listener.close(() => resolve());
      }),
  };
}

export function listenTcp(
  sink: ConnectionSink,
  host: string | undefined,
  port: number,
  logger: Logger,
): Promise<TcpListener> {
  return listenSockets(
    (socket) => sink.handle(socket, socketInfo(socket, 'tcp')),
    host,
    port,
    logger,
  );
}
