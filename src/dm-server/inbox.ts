/**
 * One recipient's forwards awaiting acknowledgement. The recipient acknowledges in the order it
 * was sent FORWARDs, so acks are matched by position: the oldest unacknowledged forward is the
 * one acknowledged (RECEIVED or SENT, C4) or refused (ERROR, C3).
 *
 * A forward not acknowledged within the timeout is settled as failed (the sender gets ERROR
 * 102) but stays in the queue, marked expired, so that its late ack is absorbed by it and not
 * credited to a younger forward. Deadlines grow with position, so expired forwards are always
 * a prefix of the queue and one timer, for the oldest live forward, serves the whole inbox.
 */
import type { Logger } from 'pino';

/** Receives the outcome of one delivery, exactly once. */
export type Settle = (delivered: boolean) => void;

interface Pending {
  readonly sender: string;
  readonly deadline: number;
  /** Undefined once settled (expired). */
  settle: Settle | undefined;
}

export interface InboxOptions {
  readonly ackTimeoutMs: number;
  readonly maxUnackedPerRecipient: number;
}

export class Inbox {
  private queue: Pending[] = [];
  /** How many forwards at the head of the queue have expired. */
  private expired = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    /** Queues a FORWARD frame on the recipient's receive connection. */
    private readonly forward: (frame: Buffer) => void,
    private readonly options: InboxOptions,
    private readonly log: Logger,
  ) {}

  /** Forwards awaiting an ack, expired ones included. */
  get size(): number {
    return this.queue.length;
  }

  deliver(frame: Buffer, sender: string, settle: Settle): void {
    if (this.closed) {
      settle(false);
      return;
    }
    if (this.queue.length >= this.options.maxUnackedPerRecipient) {
      if (this.expired === 0) {
        this.log.warn({ unacked: this.queue.length }, 'recipient inbox full');
        settle(false);
        return;
      }
      this.queue.shift(); // room is made by forgetting the oldest expired forward
      this.expired--;
    }
    this.queue.push({ sender, deadline: Date.now() + this.options.ackTimeoutMs, settle });
    this.forward(frame);
    if (this.queue.length - this.expired === 1) this.arm();
  }

  /** RECEIVED or SENT from the recipient: the oldest forward arrived. */
  ack(sender: string | undefined): void {
    this.settleHead(true, sender);
  }

  /** C3: the recipient could not read the oldest forward. */
  refuse(): void {
    this.settleHead(false, undefined);
  }

  /** The recipient is gone: every live forward fails. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const live = this.queue.slice(this.expired);
    this.queue = [];
    this.expired = 0;
    for (const p of live) p.settle?.(false);
  }

  private settleHead(delivered: boolean, sender: string | undefined): void {
    const head = this.queue.shift();
    if (head === undefined) {
      this.log.debug('ack with no forward outstanding: ignored');
      return;
    }
    if (sender !== undefined && sender !== head.sender) {
      this.log.debug({ expected: head.sender, got: sender }, 'ack names another sender');
    }
    if (this.expired > 0) {
      this.expired--; // a late ack for a forward already reported as failed
      return;
    }
    const settle = head.settle;
    head.settle = undefined;
    this.arm();
    settle?.(delivered);
  }

  /** One timer, for the oldest live forward. */
  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.queue[this.expired];
    if (next === undefined || this.closed) return;
    this.timer = setTimeout(this.expire, Math.max(0, next.deadline - Date.now()));
    this.timer.unref();
  }

  private readonly expire = (): void => {
    this.timer = undefined;
    const now = Date.now();
    const due: Settle[] = [];
    for (let p = this.queue[this.expired]; p !== undefined && p.deadline <= now;) {
      if (p.settle !== undefined) due.push(p.settle);
      p.settle = undefined;
      this.expired++;
      p = this.queue[this.expired];
    }
    if (due.length > 0) this.log.info({ count: due.length }, 'forward not acknowledged in time');
    this.arm();
    for (const settle of due) settle(false);
  };
}
