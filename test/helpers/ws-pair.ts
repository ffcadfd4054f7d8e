/**
 * A real WebSocket over 127.0.0.1: the server end wrapped as the server sees it
 * (WebSocketStream), the client end a plain `ws` client, for tests of the transport itself.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { WebSocketStream } from '../../src/transport/ws-stream.js';

export interface WsPair {
  readonly stream: WebSocketStream;
  readonly client: WebSocket;
  close(): Promise<void>;
}

export async function wsPair(maxPayload = 1 << 20): Promise<WsPair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload });
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://127.0.0.1:${port}/`);
  client.on('error', () => {});
  await once(client, 'open');
  const [ws] = await accepted;
  const stream = new WebSocketStream(ws);
  stream.on('error', () => {});
  return {
    stream,
    client,
    close: async () => {
      client.terminate();
      stream.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Resolves when `done()` holds, checking after each event-loop turn; fails after `ms`. */
export async function until(done: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
