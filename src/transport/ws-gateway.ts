/**
 * The WebSocket endpoint at /ws: checks the handshake (path, Origin), upgrades with the `ws`
 * package, and hands each WebSocket on as a byte stream (WebSocketStream), exactly as the TCP
 * listener hands on a socket. It knows nothing of the chat-room protocol. It also finds dead
 * peers: every `pingMs` each connection is pinged, and one that has not answered the previous
 * ping is cut.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import type { ConnectionInfo } from '../conn/info.js';
import { originAllowed, type OriginPolicy } from './origins.js';
import { socketInfo } from './tcp.js';
import { WebSocketStream } from './ws-stream.js';

export const WS_PATH = '/ws';

export interface GatewayOptions {
  /** Largest message a client may send; past it the connection is closed with code 1009. */
  readonly maxMessageBytes: number;
  /** Interval of the liveness pings; 0: none. */
  readonly pingMs: number;
  readonly origins: OriginPolicy;
  readonly logger: Logger;
}

/** Whatever takes the streams: the Acceptor, as a chat-room connection. */
export type StreamSink = (stream: Duplex, info: ConnectionInfo) => void;

export class WebSocketGateway {
  private readonly wss: WebSocketServer;
  /** Open connections, and whether each answered the last ping. */
  private readonly live = new Map<WebSocketStream, { answered: boolean }>();
  private readonly heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: StreamSink,
    private readonly options: GatewayOptions,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxMessageBytes,
      // Compression would hide the socket's real backlog from the slow-reader bound and
      // costs memory per connection; chat text is small.
      perMessageDeflate: false,
    });
    if (options.pingMs > 0) {
      this.heartbeat = setInterval(() => this.beat(), options.pingMs);
      this.heartbeat.unref();
    }
  }

  get connectionCount(): number {
    return this.live.size;
  }

  /** An HTTP upgrade request: a WebSocket at /ws from an allowed origin, else an HTTP error. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {}); // a reset during the handshake is no one's concern
    const url = (req.url ?? '').split('?')[0];
    if (url !== WS_PATH) {
      refuse(socket, 404, 'Not Found', `no WebSocket here; it is at ${WS_PATH}\n`);
      return;
    }
    const origin = req.headers.origin;
    if (!originAllowed(this.options.origins, origin, req.headers.host)) {
      this.options.logger.warn(
        { origin, remote: req.socket.remoteAddress },
        'WebSocket refused: origin not allowed',
      );
      refuse(socket, 403, 'Forbidden', `origin ${origin ?? ''} is not allowed (--http-origins)\n`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.adopt(ws, req));
  }

  /** Stops the pings; the connections themselves close with the server's shutdown. */
  close(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
  }

  private adopt(ws: WebSocket, req: IncomingMessage): void {
    const stream = new WebSocketStream(ws);
    const state = { answered: true };
    this.live.set(stream, state);
    ws.on('pong', () => {
      state.answered = true;
    });
    stream.once('close', () => this.live.delete(stream));
    this.sink(stream, socketInfo(req.socket, 'ws'));
  }

  private beat(): void {
    for (const [stream, state] of this.live) {
      // While the server itself has stopped reading this peer, its pongs wait unread.
      if (stream.readingStopped) {
        state.answered = true;
        continue;
      }
      if (!state.answered) {
        stream.destroy(new Error(`no pong within ${this.options.pingMs} ms`));
        continue;
      }
      state.answered = false;
      if (stream.ws.readyState === WebSocket.OPEN) stream.ws.ping();
    }
  }
}

function refuse(socket: Duplex, status: number, reason: string, text: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
  setTimeout(() => socket.destroy(), 1000).unref();
}
