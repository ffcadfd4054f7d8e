/**
 * What every client connection has, whatever protocol it speaks: its stream, its bounded and
 * batched output queue, its request-rate bucket, its idle timer, and how it closes. A
 * protocol's session extends this with its parser and its requests; nothing here knows
 * either protocol.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { TokenBucket } from '../core/token-bucket.js';
import type { ConnectionInfo, DropCause } from './info.js';
import { SendQueue, type FlushScheduler } from './send-queue.js';

export type { ConnectionInfo, DropCause } from './info.js';

/** The limits of PROTOCOL.md Part 3 that hold for every connection, whatever its protocol. */
export interface ConnectionLimits {
  /** Output bytes queued for one connection before it is cut off as a slow reader. */
  readonly sendQueueBytes: number;
  /** A connection that sends nothing for this long is closed; 0: never. */
  readonly idleTimeoutMs: number;
  /** Requests per second one connection may sustain; 0: no limit. */
  readonly rateLimitPerSecond: number;
  /** Requests one connection may send at once above the sustained rate. */
  readonly rateBurst: number;
}

export type ConnectionState = 'open' | 'closing' | 'closed';

export interface ConnectionSettings {
  readonly logger: Logger;
  readonly limits: ConnectionLimits;
}

/** How long a connection we closed may wait for the peer to close its side. */
const LINGER_MS = 2000;

export abstract class Connection {
  state: ConnectionState = 'open';
  protected closeReason = 'peer closed';
  /** Our side is closed: nothing more may be queued. */
  protected ended = false;
  private childLog: Logger | undefined;
  private readonly queue: SendQueue;
  private readonly rate: TokenBucket | undefined;
  /** Requests refused in a row for going over the rate; past the burst, the peer is cut off. */
  private refusedInARow = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number | string,
    protected readonly stream: Duplex,
    readonly info: ConnectionInfo,
    protected readonly settings: ConnectionSettings,
    scheduler: FlushScheduler,
  ) {
    const { sendQueueBytes, rateLimitPerSecond, rateBurst, idleTimeoutMs } = settings.limits;
    this.queue = new SendQueue(stream, scheduler, sendQueueBytes, (queued) =>
      this.drop('slow-reader', `slow reader: ${queued} bytes unsent`),
    );
    if (rateLimitPerSecond > 0) {
      this.rate = new TokenBucket(rateLimitPerSecond, rateBurst, Date.now());
    }
    if (idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => {
        this.dropped('idle');
        this.idledOut();
      }, idleTimeoutMs);
      this.idleTimer.unref();
    }
    stream.on('data', (chunk: Buffer) => {
      if (this.state !== 'open') return; // closing: what the peer still sends is read and dropped
      this.idleTimer?.refresh();
      this.received(chunk);
    });
    stream.on('end', () => this.peerEnded());
    stream.on('error', (err: Error) => {
      this.closeReason = `error: ${err.message}`;
    });
    stream.on('close', () => this.onClose());
  }

  /** This connection's logger, made on first use: a child logger per idle connection costs memory. */
  get log(): Logger {
    this.childLog ??= this.settings.logger.child({ conn: this.id });
    return this.childLog;
  }

  /** Queues a frame, possibly shared with other recipients; never copied per connection. */
  send(frame: Buffer): void {
    if (!this.ended) this.queue.push(frame);
  }

  /** Sends what is queued, then closes our side; the peer's close completes it. */
  finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.closeReason = reason;
    if (this.state === 'open') this.state = 'closing';
    this.queue.flush();
    this.stream.end();
    // A peer that never closes its side must not hold the connection open forever.
    this.lingerTimer = setTimeout(() => this.stream.destroy(), LINGER_MS);
    this.lingerTimer.unref();
    this.ending();
  }

  /** Closes at once, dropping anything queued. */
  abort(reason: string): void {
    if (this.state === 'closed') return;
    this.ended = true;
    this.closeReason = reason;
    this.state = 'closing';
    this.stream.destroy();
    this.ending();
  }

  /** A receive-only connection is silent by design: no idle timeout for it. */
  protected stopIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** The clock for `withinRate`, read once per batch of requests and only when rates count. */
  protected rateClock(requests: number): number {
    return requests > 0 && this.rate !== undefined ? Date.now() : 0;
  }

  /**
   * The request-rate limit of Part 3: true if this request may be served. Over the rate the
   * protocol's refusal is sent; more refusals in a row than the burst cut the peer off.
   */
  protected withinRate(now: number): boolean {
    if (this.rate === undefined || this.rate.take(now)) {
      this.refusedInARow = 0;
      return true;
    }
    if (++this.refusedInARow > this.settings.limits.rateBurst) {
      this.drop('flood', `request flood: ${this.refusedInARow} refused in a row`);
    } else {
      this.rateRefused();
    }
    return false;
  }

  protected drop(cause: DropCause, reason: string): void {
    if (this.state === 'closed') return;
    this.log.warn({ cause, reason }, 'disconnecting');
    this.dropped(cause);
    // A flooder still gets the replies and errors it earned; a slow reader would not read them.
    if (cause === 'flood') this.finish(reason);
    else this.abort(reason);
  }

  /** Bytes from the peer, while the connection is open. */
  protected abstract received(chunk: Buffer): void;
  /** The peer will send nothing more. */
  protected abstract peerEnded(): void;
  /** One request over the rate: the protocol's refusal. */
  protected abstract rateRefused(): void;
  /** Nothing received for the idle timeout. */
  protected abstract idledOut(): void;
  /** The server is cutting this connection off, for `cause`. */
  protected abstract dropped(cause: DropCause): void;
  /** The connection is closed and its timers are stopped. */
  protected abstract closed(reason: string): void;
  /** Our side began closing. */
  protected ending(): void {}
  /** Extra fields for the `connection closed` log line. */
  protected closeDetails(): Record<string, unknown> {
    return {};
  }

  private onClose(): void {
    this.ended = true;
    this.stopIdleTimer();
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.state = 'closed';
    const details = { conn: this.id, reason: this.closeReason, ...this.closeDetails() };
    this.settings.logger.info(details, 'connection closed');
    this.closed(this.closeReason);
  }
}
