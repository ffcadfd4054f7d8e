/** The TCP listener: accepts sockets and hands each to the server as a connection. */
import net from 'node:net';
import type { ChatServer } from '../server/chat-server.js';

export interface TcpListener {
  readonly port: number;
  readonly host: string;
  /** Stops accepting; open connections are the server's to close. */
  close(): Promise<void>;
}

export async function listenTcp(
  server: ChatServer,
  host: string | undefined,
  port: number,
): Promise<TcpListener> {
  const listener = net.createServer({ noDelay: true }, (socket) => {
    server.handle(socket, {
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      localAddress: socket.localAddress ?? '',
      localPort: socket.localPort ?? 0,
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ ...(host === undefined ? {} : { host }), port, backlog: 1024 }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  listener.on('error', (err) => server.options.logger.error({ err }, 'listener error'));
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
