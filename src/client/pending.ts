/**
 * Which request a reply answers. The protocol carries no request ids, but a server answers one
 * connection's requests in the order they arrived, so one FIFO per connection suffices:
 * HELO, JOIN and LEAVE wait for their own reply; an ERROR_CODE answers the oldest request still
 * waiting. A CHAT has no reply of its own: it is confirmed by its echo (T1), by an answer to
 * a later request (the server got past it without an error), or refused by an ERROR_CODE.
 */
import type { TcdReply } from '../protocol/tcd-reply.js';
import { TimeoutError } from './errors.js';

export type RequestKind = 'helo' | 'join' | 'leave' | 'chat';

type ChatReply = Extract<TcdReply, { type: 'chat' }>;

export interface PendingEntry {
  readonly kind: RequestKind;
  /** What it is about, for the error event and the timeout message (a room name). */
  readonly subject: string;
  /** For a CHAT: does this incoming chat frame echo it? */
  readonly isEcho?: (reply: ChatReply) => boolean;
  /** The client's own housekeeping (a hand-off LEAVE): its errors are not reported as events. */
  readonly quiet?: boolean;
  settle(reply: TcdReply | undefined): void;
  fail(error: Error): void;
}

interface Waiting {
  readonly entry: PendingEntry;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class PendingRequests {
  private readonly queue: Waiting[] = [];

  add(entry: PendingEntry, timeoutMs: number): void {
    const timer = setTimeout(() => {
      this.remove(waiting);
      entry.fail(new TimeoutError(`${entry.kind.toUpperCase()} ${entry.subject}`, timeoutMs));
    }, timeoutMs);
    // Node's timers can be unref'd (a pending request must not keep a script alive); a
    // browser's (the web client shares this file) are plain numbers.
    if (typeof timer === 'object') timer.unref();
    const waiting: Waiting = { entry, timer };
    this.queue.push(waiting);
  }

  /**
   * Takes the oldest request of `kind` for a HELO, JOINED or LEFT reply. CHATs sent before it
   * went through without an error (the server answers in order), so they are settled too.
   */
  takeAnswered(kind: Exclude<RequestKind, 'chat'>): PendingEntry | undefined {
    const at = this.queue.findIndex((w) => w.entry.kind === kind);
    if (at === -1) return undefined;
    const before = this.queue.splice(0, at + 1);
    const answered = before.pop() as Waiting;
    const kept: Waiting[] = []; // not answered by this reply (an out-of-order server): keep waiting
    for (const w of before) {
      if (w.entry.kind !== 'chat') {
        kept.push(w);
        continue;
      }
      clearTimeout(w.timer);
      w.entry.settle(undefined);
    }
    this.queue.unshift(...kept);
    clearTimeout(answered.timer);
    return answered.entry;
  }

  /** An ERROR_CODE answers the oldest waiting request. */
  takeOldest(): PendingEntry | undefined {
    const first = this.queue.shift();
    if (first === undefined) return undefined;
    clearTimeout(first.timer);
    return first.entry;
  }

  /** Settles the oldest CHAT this frame echoes, if any. */
  echo(reply: ChatReply): void {
    const w = this.queue.find((x) => x.entry.isEcho?.(reply) === true);
    if (w === undefined) return;
    this.remove(w);
    w.entry.settle(reply);
  }

  failAll(error: Error): void {
    for (const w of this.queue.splice(0)) {
      clearTimeout(w.timer);
      w.entry.fail(error);
    }
  }

  get size(): number {
    return this.queue.length;
  }

  private remove(w: Waiting): void {
    clearTimeout(w.timer);
    const at = this.queue.indexOf(w);
    if (at !== -1) this.queue.splice(at, 1);
  }
}
