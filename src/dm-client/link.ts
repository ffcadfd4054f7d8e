/**
 * One client-side COL334 connection: writes requests, and turns what the server sends into
 * replies, handed to a listener or awaited in order with next(). Every wait has a timeout.
 */
import net from 'node:net';
import { Col334Framer } from '../protocol/col334-framer.js';
import { classifyReply, type Col334Reply } from '../protocol/col334-reply.js';

/** A client accepts larger bodies than a server's default limit; past this they are refused (C3). */
const clientLimits = { maxHeaderBytes: 65_536, maxBodyBytes: 16 * 1024 * 1024 };

type Waiter = (reply: Col334Reply | undefined) => void;

export class Col334Link {
  /** Set by listen(): every reply goes there instead of to next(). */
  private onReply: ((reply: Col334Reply) => void) | undefined;
  /** Called once when the connection closes. */
  onClose: (() => void) | undefined;
  closed = false;
  private readonly framer = new Col334Framer(clientLimits);
  private readonly backlog: Col334Reply[] = [];
  private readonly waiters: Waiter[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.framer.push(chunk)) this.deliver(classifyReply(frame));
      if (this.framer.failed) socket.destroy(); // nothing after a broken frame can be read
    });
    socket.on('error', () => {}); // reported as a close
    socket.on('close', () => {
      this.closed = true;
      for (const waiter of this.waiters.splice(0)) waiter(undefined);
      this.onClose?.();
    });
  }

  static open(host: string, port: number, timeoutMs = 5000): Promise<Col334Link> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`could not connect to ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new Col334Link(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** The next reply not taken by onReply; undefined when the connection closed or time ran out. */
  next(timeoutMs: number): Promise<Col334Reply | undefined> {
    const ready = this.backlog.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter: Waiter = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i !== -1) this.waiters.splice(i, 1);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /**
   * From now on every reply goes to `handler` instead of next(), starting with any that came
   * before it was set: a FORWARD may arrive in the same segment as the REGISTERED before it.
   */
  listen(handler: (reply: Col334Reply) => void): void {
    this.onReply = handler;
    for (const reply of this.backlog.splice(0)) handler(reply);
  }

  /** Ends our side after what was written; the server's close completes it. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private deliver(reply: Col334Reply): void {
    if (this.onReply !== undefined) {
      this.onReply(reply);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) waiter(reply);
    else this.backlog.push(reply);
  }
}
