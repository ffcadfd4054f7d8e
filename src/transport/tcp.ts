/** The TCP listener: accepts sockets and hands each to the server as a connection. */
import net from 'node:net';
import type { Logger } from 'pino';
import type { ConnectionInfo } from '../conn/info.js';

/** Whatever takes accepted connections: the Acceptor, or one protocol's server directly. */
export interface ConnectionSink {
  handle(stream: net.Socket, info: ConnectionInfo): void;
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

export async function listenTcp(
  sink: ConnectionSink,
  host: string | undefined,
  port: number,
  logger: Logger,
): Promise<TcpListener> {
  // keepAlive finds peers that vanished without a FIN (a member who only reads sends nothing).
  const listener = net.createServer(
    { noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 },
    (socket) => {
      sink.handle(socket, {
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        localAddress: socket.localAddress ?? '',
        localPort: socket.localPort ?? 0,
      });
    },
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
