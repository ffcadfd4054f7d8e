/**
 * A test client for long-running and abusive scenarios: every reply frame the server sends is
 * handed to `onReply` as it is parsed (with the time it arrived), and `request` writes a
 * request and waits, with a timeout, for the first later reply that matches. Unlike
 * WireClient it keeps nothing itself, so a soak of millions of frames stays small; callers
 * record what they need.
 */
import net from 'node:net';
import { TcdReplyParser, type TcdReply } from '../../src/protocol/tcd-reply.js';

interface Waiter {
  readonly match: (reply: TcdReply) => boolean;
  readonly resolve: (reply: TcdReply) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class EventClient {
  /** Called for every reply frame, in arrival order, before any waiter sees it. */
  onReply: (reply: TcdReply, atMs: number) => void = () => {};
  /** Bytes received in all. */
  bytesIn = 0;
  closed = false;
  /** Resolves when the socket has closed, whoever closed it. */
  readonly whenClosed: Promise<void>;
  private readonly parser = new TcdReplyParser();
  private waiters: Waiter[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.bytesIn += chunk.length;
      const at = performance.now();
      for (const reply of this.parser.push(chunk)) {
        this.onReply(reply, at);
        this.settle(reply);
      }
    });
    socket.on('error', () => {}); // resets are expected here; 'close' follows
    this.whenClosed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        for (const w of this.waiters.splice(0)) {
          clearTimeout(w.timer);
          w.reject(new Error('connection closed'));
        }
        resolve();
      }),
    );
  }

  static connect(port: number, timeoutMs = 5000): Promise<EventClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', reject);
        resolve(new EventClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  send(data: string | Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  /** Writes `data`, then waits for the first reply from now on that `match` accepts. */
  request(
    data: string | Buffer,
    match: (reply: TcdReply) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<TcdReply> {
    const reply = this.waitFor(match, timeoutMs, what);
    this.send(data);
    return reply;
  }

  /** Waits for the first reply from now on that `match` accepts. */
  waitFor(match: (reply: TcdReply) => boolean, timeoutMs: number, what: string): Promise<TcdReply> {
    if (this.closed) return Promise.reject(new Error(`${what}: connection closed`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject: (err) => reject(new Error(`${what}: ${err.message}`)),
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(new Error(`${what}: no reply within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Waits for the socket to close, failing after `timeoutMs`. */
  async closedWithin(timeoutMs: number, what: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what}: still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([this.whenClosed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Aborts the connection with a TCP RST. */
  reset(): void {
    if (!this.closed) this.socket.resetAndDestroy();
  }

  /** Closes at once (FIN if possible). */
  destroy(): void {
    this.socket.destroy();
  }

  private settle(reply: TcdReply): void {
    if (this.waiters.length === 0) return;
    const i = this.waiters.findIndex((w) => w.match(reply));
    if (i === -1) return;
    const [w] = this.waiters.splice(i, 1);
    if (w === undefined) return;
    clearTimeout(w.timer);
    w.resolve(reply);
  }
}
