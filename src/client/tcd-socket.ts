/**
 * One connection speaking the chat-room protocol from the client's side, over TCP or the
 * WebSocket gateway (src/client/dial.ts): requests go out as given, server bytes come back as
 * replies through TcdReplyParser (any segmentation, CRLF). The programmatic client, the demo
 * and the conformance checker share it; each decides for itself what to wait on.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { unmapIPv4 } from '../protocol/address.js';
import { TcdReplyParser, type TcdReply } from '../protocol/tcd-reply.js';
import { dial, type Endpoint, type TlsDial } from './dial.js';

export type { Endpoint, TlsDial } from './dial.js';

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
    private readonly stream: Duplex,
    readonly endpoint: Endpoint,
    private readonly reached: string | undefined,
  ) {
    super();
    stream.on('data', (chunk: Buffer) => {
      this.emit('data', chunk);
      for (const reply of this.parser.push(chunk)) this.emit('reply', reply);
    });
    stream.on('error', (err) => {
      this.lastError = err;
    });
    stream.on('close', () => {
      this.closed = true;
      this.emit('close', this.lastError);
    });
  }

  /**
   * Opens a connection (over TLS with `secure`), failing after `timeoutMs` rather than waiting
   * on the OS. Over TLS the server's certificate must be trusted and name `host`.
   */
  static async connect(
    endpoint: Endpoint,
    timeoutMs: number,
    secure?: TlsDial,
  ): Promise<TcdSocket> {
    const link = await dial(endpoint, timeoutMs, secure);
    return new TcdSocket(link.stream, endpoint, link.remoteAddress);
  }

  /** The address actually reached (a host name resolved, `::ffff:` removed). */
  get remoteAddress(): string {
    return unmapIPv4(this.reached ?? this.endpoint.host);
  }

  write(data: string | Buffer): void {
    if (!this.closed) this.stream.write(data);
  }

  /** Closes our sending side; the server's close completes it. */
  end(): void {
    this.stream.end();
  }

  destroy(): void {
    this.stream.destroy();
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
