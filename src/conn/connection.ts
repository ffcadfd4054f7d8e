/**
 * What every client connection has, whatever protocol it speaks: its stream, its bounded and
 * batched output queue, the pace at which its requests are taken, its idle timer, and how it
 * closes. A protocol's session extends this with its parser and its requests; nothing here
 * knows either protocol.
 *
 * Requests are taken through an inbox. A protocol parses what it reads and hands the requests
 * over (`accept`); they are served in order (`serve`; one that returns a promise is waited for
 * before the next is taken) unless one of two things says wait:
 * - the request-rate bucket is empty (throttling, as IRC servers' "fakelag"): the connection
 *   waits until the bucket refills;
 * - the IntakeGate is closed: output backs up, or this turn's output budget is spent.
 * While it waits the connection stops reading, so the unread bytes stay in the kernel and TCP
 * slows the sender; nothing is refused or dropped, and every request already read is served,
 * in order, once it may go on. Invariant: requests wait in the inbox only while reading is paused.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { TokenBucket } from '../core/token-bucket.js';
import type { ConnectionInfo, DropCause } from './info.js';
import type { GateWaiter } from './intake-gate.js';
import { SendQueue, type FlushScheduler } from './send-queue.js';
import { listenTo, type StreamOwner } from './stream-listeners.js';

export type { ConnectionInfo, DropCause } from './info.js';

/** The limits of PROTOCOL.md Part 3 that hold for every connection, whatever its protocol. */
export interface ConnectionLimits {
  /** Output bytes queued for one connection before it is cut off as a slow reader. */
  readonly sendQueueBytes: number;
  /** A connection that sends nothing for this long is closed; 0: never. */
  readonly idleTimeoutMs: number;
  /** Requests per second one connection may sustain before it is slowed down; 0: no limit. */
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
/** A throttled connection wakes for about this many milliseconds' worth of requests at once. */
const THROTTLE_STEP_MS = 10;

/** Why reading is paused; several may hold at once, and reading resumes when none does. */
const Hold = {
  /** The request rate is spent: a timer will refill it. */
  rate: 1,
  /** The IntakeGate is closed: it releases the connection. */
  gate: 2,
  /** The protocol asked (replies it still owes, for instance). */
  protocol: 4,
  /** A request is still being served: the next waits for it. */
  busy: 8,
} as const;

type Hold = (typeof Hold)[keyof typeof Hold];

const NOTHING: never[] = [];

function onIdle(connection: Connection<unknown>): void {
  connection.idleFired();
}

export abstract class Connection<R = unknown> implements GateWaiter, StreamOwner {
  state: ConnectionState = 'open';
  protected closeReason = 'peer closed';
  /** Our side is closed: nothing more may be queued. */
  protected ended = false;
  private childLog: Logger | undefined;
  private readonly queue: SendQueue;
  private readonly rate: TokenBucket | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private throttleTimer: NodeJS.Timeout | undefined;
  /** Requests read and not yet served, from `inboxNext` on. */
  private inbox: R[] = NOTHING;
  private inboxNext = 0;
  /** Hold flags: why reading is paused (0: it is not). */
  private held = 0;
  /** The peer sent its last byte; `inputEnded` is due once the inbox is served. */
  private peerDone = false;
  private endDelivered = false;

  constructor(
    readonly id: number | string,
    protected readonly stream: Duplex,
    readonly info: ConnectionInfo,
    protected readonly settings: ConnectionSettings,
    private readonly scheduler: FlushScheduler,
  ) {
    const { sendQueueBytes, rateLimitPerSecond, rateBurst, idleTimeoutMs } = settings.limits;
    this.queue = new SendQueue(stream, scheduler, sendQueueBytes, this);
    if (rateLimitPerSecond > 0) {
      this.rate = new TokenBucket(rateLimitPerSecond, rateBurst, Date.now());
    }
    if (idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(onIdle, idleTimeoutMs, this);
      this.idleTimer.unref();
    }
    listenTo(stream, this);
  }

  /** The stream's events, through the shared listeners (stream-listeners.ts). */
  dataArrived(chunk: Buffer): void {
    if (this.state !== 'open') return; // closing: what the peer still sends is read and dropped
    this.idleTimer?.refresh();
    this.received(chunk);
  }

  streamEnded(): void {
    this.peerEnded();
  }

  streamFailed(err: Error): void {
    this.closeReason = `error: ${err.message}`;
  }

  streamClosed(): void {
    this.onClose();
  }

  /** The send queue passed its bound: a reader too slow to keep up is cut off. */
  overflowed(queued: number): void {
    this.drop('slow-reader', `slow reader: ${queued} bytes unsent`);
  }

  /** The idle timer fired. */
  idleFired(): void {
    this.idleTimeout();
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

  /** The `connection opened` log line (with the root logger: no child logger per connection). */
  logOpened(): void {
    const { remoteAddress, remotePort, localPort } = this.info;
    this.settings.logger.info(
      { conn: this.id, remote: `${remoteAddress}:${remotePort}`, local: localPort },
      'connection opened',
    );
  }

  /** Takes the bytes read while the acceptor chose the protocol, and an end that came with them. */
  start(head: Buffer): void {
    if (head.length > 0) this.received(head);
    if (this.stream.readableEnded) this.peerEnded();
  }

  /** The IntakeGate opened: take the requests that waited, then read again. */
  release(): void {
    this.unhold(Hold.gate);
  }

  /** A receive-only connection is silent by design: no idle timeout for it. */
  protected stopIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  /** Requests the protocol parsed from what it read: served in order, at the allowed pace. */
  protected accept(requests: R[]): void {
    if (requests.length === 0) return;
    if (this.inboxNext >= this.inbox.length) {
      this.inbox = requests;
      this.inboxNext = 0;
    } else {
      for (const request of requests) this.inbox.push(request);
    }
    this.pump();
  }

  /**
   * The peer will send nothing more (its end came with the first bytes, before this connection
   * listened, or later): `inputEnded` follows once the inbox is served.
   */
  protected peerEnded(): void {
    this.peerDone = true;
    if (this.inboxNext >= this.inbox.length) this.endOfInput();
  }

  /** True while requests wait (the rate, the gate, a request under way): reading is paused. */
  protected get waiting(): boolean {
    return this.held !== 0 || this.inboxNext < this.inbox.length;
  }

  /** Stops reading until `resumeReading`, for the protocol's own reasons. */
  protected pauseReading(): void {
    this.hold(Hold.protocol);
  }

  protected resumeReading(): void {
    this.unhold(Hold.protocol);
  }

  protected drop(cause: DropCause, reason: string): void {
    if (this.state === 'closed') return;
    this.log.warn({ cause, reason }, 'disconnecting');
    this.dropped(cause);
    this.abort(reason);
  }

  /** Bytes from the peer, while the connection is open: parse them and `accept` the requests. */
  protected abstract received(chunk: Buffer): void;
  /** One request, in order; a promise holds the requests after it until it settles. */
  protected abstract serve(request: R): void | Promise<void>;
  /** The peer will send nothing more; requests may still wait (the connection closes after). */
  protected abstract inputEnded(): void;
  /** Nothing received for the idle timeout. */
  protected abstract idledOut(): void;
  /** The server is cutting this connection off, for `cause`. */
  protected abstract dropped(cause: DropCause): void;
  /** The connection is closed and its timers are stopped. */
  protected abstract closed(reason: string): void;
  /** Every request read so far has been served (the inbox is empty). */
  protected inputServed(): void {}
  /** True for requests the rate does not count (answers rather than requests). */
  protected rateExempt(_request: R): boolean {
    return false;
  }
  /** Our side began closing. */
  protected ending(): void {}
  /** Extra fields for the `connection closed` log line. */
  protected closeDetails(): Record<string, unknown> {
    return {};
  }

  /** Serves the inbox until it is empty, or the rate or the gate says wait. */
  private pump(): void {
    if ((this.held & (Hold.rate | Hold.gate | Hold.busy)) !== 0) return; // it will be called again
    const gate = this.scheduler.gate;
    const now = this.rate === undefined ? 0 : Date.now();
    while (this.inboxNext < this.inbox.length) {
      if (this.state !== 'open') break; // nothing after DISCONNECT or an abort is acted on
      const request = this.inbox[this.inboxNext] as R;
      const exempt = this.rateExempt(request);
      // Answers (COL334 acknowledgements) are not held by the gate either: they only let
      // deliveries complete, and a held one could time out a delivery that was made.
      if (gate.closed && !exempt) {
        this.hold(Hold.gate);
        gate.wait(this);
        return;
      }
      if (this.rate !== undefined && !exempt && !this.rate.take(now)) {
        this.throttle(now);
        return;
      }
      this.inboxNext++;
      this.serveSafely(request);
      if ((this.held & Hold.busy) !== 0) return; // the request goes on: the rest waits for it
    }
    this.inbox = NOTHING;
    this.inboxNext = 0;
    if (this.state !== 'open') return;
    this.inputServed();
    if (this.peerDone) this.endOfInput();
  }

  /**
   * The peer sent its last byte. The protocol has its say (`inputEnded`: a request cut short
   * may still be one), and once every request is served our side closes too. Sockets are
   * half-open for this: with Node's default the socket would end and be destroyed at the
   * peer's FIN, and requests read but not yet served (waiting on the rate, the gate, or a
   * JOIN's event) would be answered to nobody.
   */
  private endOfInput(): void {
    if (this.state !== 'open') return;
    if (!this.endDelivered) {
      this.endDelivered = true;
      this.inputEnded();
      if (this.state !== 'open') return;
    }
    if (this.inboxNext >= this.inbox.length && (this.held & Hold.busy) === 0) this.answeredAll();
  }

  /** The peer ended and every request is served: our side closes (after what it still owes). */
  protected answeredAll(): void {
    this.finish('peer ended');
  }

  private serveSafely(request: R): void {
    try {
      const pending = this.serve(request);
      if (pending instanceof Promise) {
        this.hold(Hold.busy);
        pending.then(
          () => this.unhold(Hold.busy),
          (err: unknown) => this.failed(err),
        );
      }
    } catch (err) {
      this.failed(err);
    }
  }

  /** A bug must cost one connection, never the process: log it, cut this peer off. */
  private failed(err: unknown): void {
    this.log.error({ err }, 'request handler failed');
    this.drop('internal-error', 'internal error');
  }

  /** Fakelag: wait until about THROTTLE_STEP_MS of requests are allowed again. */
  private throttle(now: number): void {
    const rate = this.rate;
    if (rate === undefined) return;
    this.hold(Hold.rate);
    const step = Math.max(1, (this.settings.limits.rateLimitPerSecond * THROTTLE_STEP_MS) / 1000);
    const waitMs = Math.max(1, Math.ceil(rate.msUntil(step, now)));
    if (this.settings.logger.isLevelEnabled('debug')) {
      this.log.debug({ waitMs, waiting: this.inbox.length - this.inboxNext }, 'throttled');
    }
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = undefined;
      this.unhold(Hold.rate);
    }, waitMs);
  }

  private hold(flag: Hold): void {
    if (this.held === 0) this.stream.pause();
    this.held |= flag;
  }

  /** Clears one reason to wait; with none left, serves what waited and reads again. */
  private unhold(flag: Hold): void {
    if ((this.held & flag) === 0) return;
    this.held &= ~flag;
    if ((flag & (Hold.rate | Hold.gate | Hold.busy)) !== 0) this.pump();
    if (this.held === 0 && this.state === 'open') this.stream.resume();
  }

  private idleTimeout(): void {
    // A connection we stopped reading has not gone quiet: it is waiting on us.
    if (this.held !== 0 || this.inboxNext < this.inbox.length) {
      this.idleTimer?.refresh();
      return;
    }
    this.log.info({ cause: 'idle', reason: 'idle timeout' }, 'disconnecting');
    this.dropped('idle');
    this.idledOut();
  }

  private onClose(): void {
    this.ended = true;
    this.stopIdleTimer();
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    if (this.throttleTimer !== undefined) clearTimeout(this.throttleTimer);
    this.scheduler.gate.forget(this);
    this.queue.close();
    this.inbox = NOTHING;
    this.inboxNext = 0;
    this.state = 'closed';
    const details = { conn: this.id, reason: this.closeReason, ...this.closeDetails() };
    this.settings.logger.info(details, 'connection closed');
    this.closed(this.closeReason);
  }
}
