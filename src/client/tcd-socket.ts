/**
 * One TCP connection speaking the chat-room protocol from the client's side: requests go out
 * as given, server bytes come back as replies through TcdReplyParser (any segmentation, CRLF).
 * The programmatic client, the demo and the conformance checker share it; each decides for
 * itself what to wait on.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { unmapIPv4 } from '../protocol/address.js';
import { TcdReplyParser, type TcdReply } from '../protocol/tcd-reply.js';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/** Dial over TLS; `ca` (PEM) replaces the system's trusted roots, e.g. for a self-signed server. */
export interface TlsDial {
  readonly ca?: string | Buffer;
}

export interface TcdSocketEvents {
  /** Each whole reply, in the order the server sent it. */
  reply: [TcdReply];
  /** Each chunk as read, for callers that compare exact bytes (T10). */
  data: [Buffer];
  /** The connection is gone; `error` is set when it ended by a socket error. */
  close: [Error | undefined];
}

export class TcdSocket extends EventEmitter<TcdSocketEvents> {
  private readonly parser = new TcdReplyParser();
  private lastError: Error | undefined;
  closed = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly endpoint: Endpoint,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => {
      this.emit('data', chunk);
      for (const reply of this.parser.push(chunk)) this.emit('reply', reply);
    });
    socket.on('error', (err) => {
      this.lastError = err;
    });
    socket.on('close', () => {
      this.closed = true;
      this.emit('close', this.lastError);
    });
  }

  /**
   * Opens a connection (over TLS with `secure`), failing after `timeoutMs` rather than waiting
   * on the OS. Over TLS the server's certificate must be trusted and name `host`.
   */
  static connect(endpoint: Endpoint, timeoutMs: number, secure?: TlsDial): Promise<TcdSocket> {
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
        resolve(new TcdSocket(socket, endpoint));
      });
    });
  }

  /** The address actually reached (a host name resolved, `::ffff:` removed). */
  get remoteAddress(): string {
    return unmapIPv4(this.socket.remoteAddress ?? this.endpoint.host);
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  /** Closes our sending side; the server's close completes it. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves once closed, or after `timeoutMs` (then false). */
  waitClosed(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.off('close', onClose);
        resolve(false);
      }, timeoutMs);
      const onClose = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.once('close', onClose);
    });
  }
}
