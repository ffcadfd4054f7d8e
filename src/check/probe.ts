/**
 * One connection of a check: writes bytes exactly as a check wants them (whole, in pieces,
 * byte by byte) and waits on replies, each wait bounded so a silent server cannot hang a run.
 * Every failure names the probe (`alice: expected ..., got ...`).
 */
import type { TcdReply } from '../protocol/tcd-reply.js';
import { TcdSocket, type Endpoint } from '../client/tcd-socket.js';
import { describeReply } from './describe.js';
import { fail, type CheckSettings } from './types.js';

/** Where the checks connect: TCP to host and port, or the WebSocket URL. */
export function checkEndpoint(s: CheckSettings): Endpoint {
  return s.url === undefined ? { host: s.host, port: s.port } : { ...s, url: s.url };
}

/** How the checked server is named in reports. */
export function describeEndpoint(s: CheckSettings): string {
  return s.url ?? `${s.host}:${s.port}`;
}

export class Probe {
  private readonly inbox: TcdReply[] = [];
  private readonly chunks: Buffer[] = [];
  private wake: (() => void) | undefined;

  private constructor(
    readonly label: string,
    private readonly socket: TcdSocket,
    private readonly s: CheckSettings,
  ) {
    socket.on('reply', (reply) => {
      this.inbox.push(reply);
      this.wake?.();
    });
    socket.on('data', (chunk) => this.chunks.push(chunk));
    socket.on('close', () => this.wake?.());
  }

  static async open(label: string, s: CheckSettings): Promise<Probe> {
    try {
      return new Probe(label, await TcdSocket.connect(checkEndpoint(s), s.timeoutMs), s);
    } catch (err) {
      return fail(`${label}: ${(err as Error).message}`);
    }
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Writes `data` in pieces cut at the given byte offsets, pausing between them (T11). */
  async sendInPieces(data: string | Buffer, cuts: readonly number[], gapMs: number): Promise<void> {
    const bytes = Buffer.from(data);
    let from = 0;
    for (const cut of [...cuts, bytes.length]) {
      this.send(bytes.subarray(from, cut));
      from = cut;
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  }

  /** One byte per write (T11: requests may arrive one byte at a time). */
  async sendByteByByte(data: string): Promise<void> {
    for (const byte of Buffer.from(data)) {
      this.send(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** The next reply; fails with `expected <what>` if none comes in time. */
  async next(what: string, timeoutMs = this.s.timeoutMs): Promise<TcdReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.inbox.shift();
      if (reply !== undefined) return reply;
      if (this.socket.closed) fail(`${this.label}: expected ${what}, got the connection closed`);
      if (!(await this.waitUntil(deadline))) {
        fail(`${this.label}: expected ${what}, got nothing within ${timeoutMs} ms`);
      }
    }
  }

  /** The next reply if one arrives within `ms` (or had arrived unread); else undefined. */
  async maybeNext(ms = this.s.quietMs): Promise<TcdReply | undefined> {
    if (this.inbox.length === 0) await this.waitUntil(Date.now() + ms, () => this.inbox.length > 0);
    return this.inbox.shift();
  }

  /** Watches for `quietMs` and fails if any reply arrives (or had arrived unread). */
  async nothing(what = 'nothing more', ms = this.s.quietMs): Promise<void> {
    if (this.inbox.length === 0) await this.waitUntil(Date.now() + ms, () => this.inbox.length > 0);
    const first = this.inbox[0];
    if (first !== undefined) fail(`${this.label}: expected ${what}, got ${describeReply(first)}`);
  }

  /** Waits for the server to close the connection; returns the replies read before it closed. */
  async expectClosed(what: string, timeoutMs = this.s.timeoutMs): Promise<TcdReply[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.socket.closed) {
      if (!(await this.waitUntil(deadline, () => this.socket.closed))) {
        const got =
          this.inbox[0] === undefined
            ? 'it still open'
            : `${describeReply(this.inbox[0])} and no close`;
        fail(`${this.label}: expected ${what}, got ${got} after ${timeoutMs} ms`);
      }
    }
    return this.inbox.splice(0);
  }

  /** Byte offset into everything received, for exact-format checks (T9, T10). */
  mark(): number {
    return Buffer.concat(this.chunks).length;
  }

  rawSince(mark: number): string {
    return Buffer.concat(this.chunks).subarray(mark).toString('utf8');
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Sleeps until woken (a reply, a close) and `done` holds, or the deadline; false at the deadline. */
  private async waitUntil(deadline: number, done: () => boolean = () => true): Promise<boolean> {
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const woken = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), left);
        this.wake = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      this.wake = undefined;
      if (!woken) return false;
      if (done()) return true;
    }
  }
}
