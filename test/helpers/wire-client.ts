/**
 * A raw test client: sends bytes as given and waits on what comes back, with a timeout on
 * every wait. Assertions compare the exact bytes a client receives.
 */
import net from 'node:net';
import { TcdReplyParser, type TcdReply } from '../../src/protocol/tcd-reply.js';

export class WireClient {
  private text = '';
  private readonly parser = new TcdReplyParser();
  private readonly replies: TcdReply[] = [];
  private waiter: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      this.replies.push(...this.parser.push(chunk));
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true }, () =>
        resolve(new WireClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one byte per write, each in its own TCP segment. */
  async sendByteByByte(data: string): Promise<void> {
    for (const byte of Buffer.from(data)) {
      this.socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Waits for exactly `expected` as the next bytes received, and consumes them. */
  async expect(expected: string, timeoutMs = 2000): Promise<void> {
    const want = Buffer.byteLength(expected);
    await this.until(
      () => Buffer.byteLength(this.text) >= want,
      timeoutMs,
      () => `expected ${JSON.stringify(expected)}, got ${JSON.stringify(this.text)}`,
    );
    const got = Buffer.from(this.text).subarray(0, want).toString('utf8');
    if (got !== expected) {
      throw new Error(
        `expected ${JSON.stringify(expected)}\n     got ${JSON.stringify(this.text)}`,
      );
    }
    this.text = Buffer.from(this.text).subarray(want).toString('utf8');
    this.consumeReplies(expected);
  }

  /** Waits for the next whole reply frame and consumes it. */
  async nextReply(timeoutMs = 2000): Promise<TcdReply> {
    await this.until(
      () => this.replies.length > 0,
      timeoutMs,
      () => `no reply; buffered ${JSON.stringify(this.text)}`,
    );
    const reply = this.replies.shift() as TcdReply;
    this.text = this.text.slice(reply.raw.length);
    return reply;
  }

  /** Waits `ms` and fails if anything arrived. */
  async expectNothing(ms = 150): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.text !== '') throw new Error(`expected nothing, got ${JSON.stringify(this.text)}`);
  }

  /** Waits for the server to close the connection. */
  async expectClosed(timeoutMs = 2000): Promise<void> {
    await this.until(
      () => this.closed,
      timeoutMs,
      () => `connection still open; buffered ${JSON.stringify(this.text)}`,
    );
  }

  /** Everything received and not yet consumed. */
  get pending(): string {
    return this.text;
  }

  close(): void {
    this.socket.destroy();
  }

  private consumeReplies(consumed: string): void {
    let left = consumed.length;
    while (left > 0 && this.replies.length > 0) {
      const first = this.replies[0] as TcdReply;
      if (first.raw.length > left) break;
      left -= first.raw.length;
      this.replies.shift();
    }
  }

  private async until(done: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.closed && !done()) throw new Error(`connection closed: ${why()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out: ${why()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }
}
