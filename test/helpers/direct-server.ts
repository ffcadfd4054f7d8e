/**
 * A real roomcast server serving both protocols on 127.0.0.1, port 0 (the Acceptor picks the
 * chat-room server or the DirectServer by the first bytes), and a raw COL334 test client that
 * compares the exact bytes it receives. Every wait has a timeout.
 */
import net from 'node:net';
import { DirectServer } from '../../src/direct/direct-server.js';
import { defaultDirectTuning, type DirectTuning } from '../../src/direct/options.js';
import { Acceptor } from '../../src/server/acceptor.js';
import { ChatServer } from '../../src/server/chat-server.js';
import type { Limits } from '../../src/server/options.js';
import { listenTcp } from '../../src/transport/tcp.js';
import { testOptions } from './server.js';

export interface DirectTestServer {
  readonly port: number;
  readonly chat: ChatServer;
  readonly direct: DirectServer;
  close(): Promise<void>;
}

export interface DirectTestOptions {
  readonly limits?: Partial<Limits>;
  readonly tuning?: Partial<DirectTuning>;
}

export async function startDirectServer(o: DirectTestOptions = {}): Promise<DirectTestServer> {
  const options = testOptions(o.limits === undefined ? {} : { limits: o.limits });
  const chat = new ChatServer(options);
  const direct = new DirectServer({
    ...defaultDirectTuning,
    ...o.tuning,
    limits: options.limits,
    logger: options.logger,
  });
  const acceptor = new Acceptor({ tcd: chat, col334: direct });
  const listener = await listenTcp(acceptor, '127.0.0.1', 0, options.logger);
  return {
    port: listener.port,
    chat,
    direct,
    close: async () => {
      await Promise.all([listener.close(), acceptor.shutdown(200)]);
    },
  };
}

/** Raw bytes in, exact bytes expected out; kept as bytes so UTF-8 split across reads is whole. */
export class DirectWire {
  private received = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<DirectWire> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () =>
        resolve(new DirectWire(socket)),
      );
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** One byte per write, each given its own turn of the event loop (and so its own segment). */
  async sendByteByByte(data: string | Buffer): Promise<void> {
    for (const byte of Buffer.from(data)) {
      this.socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Waits for exactly `expected` as the next bytes received, and consumes them. */
  async expect(expected: string | Buffer, timeoutMs = 2000): Promise<void> {
    const want = Buffer.from(expected);
    await this.until(
      () => this.received.length >= want.length,
      timeoutMs,
      () => show(want),
    );
    const got = this.received.subarray(0, want.length);
    if (!got.equals(want)) {
      throw new Error(`expected ${show(want)}\n     got ${show(this.received)}`);
    }
    this.received = this.received.subarray(want.length);
  }

  /** Waits `ms` and fails if anything arrived. */
  async expectNothing(ms = 100): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (this.received.length > 0) throw new Error(`expected nothing, got ${show(this.received)}`);
  }

  async expectClosed(timeoutMs = 2000): Promise<void> {
    await this.until(
      () => this.closed,
      timeoutMs,
      () => 'the connection to close',
    );
  }

  close(): void {
    this.socket.destroy();
  }

  private async until(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const why = (): string => `waiting for ${what()}; have ${show(this.received)}`;
      if (this.closed) throw new Error(`connection closed ${why()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out ${why()}`);
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

function show(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('utf8'));
}

/** A user as the protocol has it: a send and a receive connection, both registered. */
export interface WireUser {
  readonly name: string;
  readonly send: DirectWire;
  readonly recv: DirectWire;
  close(): void;
}

export async function registerUser(port: number, name: string): Promise<WireUser> {
  const send = await DirectWire.connect(port);
  send.send(`REGISTER TOSEND ${name}\n\n`);
  await send.expect(`REGISTERED TOSEND ${name}\n\n`);
  const recv = await DirectWire.connect(port);
  recv.send(`REGISTER TORECV ${name}\n\n`);
  await recv.expect(`REGISTERED TORECV ${name}\n\n`);
  return {
    name,
    send,
    recv,
    close: () => {
      send.close();
      recv.close();
    },
  };
}

/** The bytes of a SEND (client) or FORWARD (server) with a byte Content-length (C1). */
export function withBody(firstLine: string, body: string | Buffer): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([Buffer.from(`${firstLine}\nContent-length: ${bytes.length}\n\n`), bytes]);
}
