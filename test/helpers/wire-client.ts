/**
 * A raw test client for either protocol, over TCP or a WebSocket gateway: sends bytes as given
 * and waits on the exact bytes that come back, with a timeout on every wait. Kept as bytes, so a UTF-8 character split
 * across reads is compared whole; chat-room replies are also parsed into frames.
 */
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { dial } from '../../src/client/dial.js';
import { TcdReplyParser, type TcdReply } from '../../src/protocol/tcd-reply.js';

export class WireClient<S extends Duplex = net.Socket> {
  private received = Buffer.alloc(0);
  private readonly parser = new TcdReplyParser();
  private readonly replies: TcdReply[] = [];
  private waiter: (() => void) | undefined;
  private barriers = 0;
  closed = false;

  private constructor(readonly socket: S) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
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

  /** Connects over TLS, trusting `ca`; resolves once the handshake is done. */
  static connectTls(port: number, ca: Buffer, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host, ca }, () => resolve(new WireClient(socket)));
      socket.setNoDelay(true);
      socket.once('error', reject);
    });
  }

  /** The server's certificate fingerprint, on a TLS connection. */
  get peerFingerprint(): string | undefined {
    return this.socket instanceof tls.TLSSocket
      ? this.socket.getPeerCertificate().fingerprint256
      : undefined;
  }

  /** Connects through a WebSocket gateway (ws://...): each write goes as one binary message. */
  static async connectWs(url: string): Promise<WireClient<Duplex>> {
    const { stream } = await dial({ host: '', port: 0, url }, 2000);
    return new WireClient(stream);
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one byte per write, each in its own turn of the event loop (and so its own segment). */
  async sendByteByByte(data: string | Buffer): Promise<void> {
    for (const byte of Buffer.from(data)) {
      this.socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Waits for exactly `expected` as the next bytes received, and consumes them. */
  async expect(expected: string | Buffer, timeoutMs = 2000): Promise<void> {
    const want = Buffer.from(expected);
    await this.until(
      () => this.received.length >= want.length,
      timeoutMs,
      () => `expected ${show(want)}, got ${show(this.received)}`,
    );
    if (!this.received.subarray(0, want.length).equals(want)) {
      throw new Error(`expected ${show(want)}\n     got ${show(this.received)}`);
    }
    this.consume(want.length);
  }

  /** Waits for the next whole chat-room reply and consumes it. */
  async nextReply(timeoutMs = 2000): Promise<TcdReply> {
    await this.until(
      () => this.replies.length > 0,
      timeoutMs,
      () => `no reply; buffered ${show(this.received)}`,
    );
    const reply = this.replies[0] as TcdReply;
    this.consume(Buffer.byteLength(reply.raw));
    return reply;
  }

  /**
   * Proves that nothing arrived on a chat-room connection, with a HELO round trip as the
   * barrier: the server answers a connection's requests in order and queues room events for
   * it as they happen, so whatever it owed this connection before the HELO comes before the
   * HELO's reply. The reply must be the very next bytes. (COL334 connections have no HELO:
   * see WireUser.expectNothing in direct-server.ts.)
   */
  async expectNothing(): Promise<void> {
    this.expectEmpty();
    const text = `barrier ${++this.barriers}`;
    this.send(`HELO ${text}\n`);
    const reply = await this.nextReply();
    if (reply.type !== 'helo' || !reply.raw.startsWith(`HELO ${text}\n`)) {
      throw new Error(`expected nothing before the HELO barrier's reply, got ${show(reply.raw)}`);
    }
  }

  /**
   * Waits `ms` and fails if anything arrived. Not a barrier (that is expectNothing): only for
   * showing that a timer does not fire within a time, such as a person's pause between typed
   * lines not being taken for the end of a request (T11).
   */
  async expectSilenceFor(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.expectEmpty();
  }

  /** Proves nothing arrived before `reply`, the certain answer to `request` (a barrier). */
  async expectNothingBefore(request: string | Buffer, reply: string | Buffer): Promise<void> {
    this.expectEmpty();
    this.send(request);
    await this.expect(reply);
  }

  /** Fails if anything was received and not consumed. */
  expectEmpty(): void {
    if (this.received.length > 0) throw new Error(`expected nothing, got ${show(this.received)}`);
  }

  /** Waits for the server to close the connection. */
  async expectClosed(timeoutMs = 2000): Promise<void> {
    await this.until(
      () => this.closed,
      timeoutMs,
      () => `connection still open; buffered ${show(this.received)}`,
    );
  }

  /** Everything received and not yet consumed. */
  get pending(): string {
    return this.received.toString('utf8');
  }

  close(): void {
    this.socket.destroy();
  }

  /** Drops `bytes` received bytes, and the parsed replies they held. */
  private consume(bytes: number): void {
    this.received = this.received.subarray(bytes);
    let left = bytes;
    while (left > 0 && this.replies.length > 0) {
      const size = Buffer.byteLength((this.replies[0] as TcdReply).raw);
      if (size > left) break;
      left -= size;
      this.replies.shift();
    }
  }

  private async until(done: () => boolean, timeoutMs: number, why: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.closed) throw new Error(`connection closed: ${why()}`);
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

function show(bytes: Buffer | string): string {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('utf8');
  return JSON.stringify(text.length > 2000 ? `${text.slice(0, 2000)}...` : text);
}
