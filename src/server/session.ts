/**
 * One chat-room connection: its parser, its JOIN_ID, its requests, and what it awaits of the
 * bus. It turns bytes into requests for the server; everything it sends goes through the
 * connection's queue, so replies and room events reach the peer in the order queued.
 *
 * Replies keep request order even when a request completes later (a CHAT in a cluster waits
 * for the store): such a request reserves its place (`replyWhen`), and later replies queue
 * behind it. JOIN, LEAVE and DISCONNECT first wait for those places to empty, then hold the
 * next request until their own room event has been delivered here: so JOINED_CHATROOM and
 * LEFT_CHATROOM, written at that delivery, come right before their notices (T2, T3), and a
 * request pipelined after a JOIN sees the JOIN done.
 */
import type { Duplex } from 'node:stream';
import { isPromise, type Awaitable } from '../bus/bus.js';
import { Connection, type ConnectionInfo, type DropCause } from '../conn/connection.js';
import { OrderedReplies } from '../conn/ordered-replies.js';
import type { FlushScheduler } from '../conn/send-queue.js';
import { ErrorCode, protocolError, type ProtocolError } from '../protocol/errors.js';
import { TcdParser, type ParseResult } from '../protocol/tcd-parse.js';
import { errorReply } from '../protocol/tcd-serialize.js';
import type { ServerOptions } from './options.js';

export type { ConnectionInfo, DropCause } from '../conn/connection.js';

export interface SessionHandler {
  request(session: Session, result: ParseResult): void | Promise<void>;
  closed(session: Session, reason: string): void;
  dropped(session: Session, cause: DropCause): void;
  /** An ERROR_CODE reply was queued (counted for metrics). */
  errorReplied(code: number): void;
}

/** A JOIN waiting for its join event. */
interface PendingJoin {
  readonly room: string;
  /** Names this JOIN (RoomBus.join): its event, not that of one given up on, settles it. */
  readonly attempt: number;
  /** The room's ref, once the bus has answered. */
  ref: number | undefined;
  done: (() => void) | undefined;
  /** The connection closed first: its event, if it comes, makes no membership. */
  abandoned: boolean;
  /**
   * Its event came before the bus's answer and took the room's watch for the membership it
   * made, so the answer takes none: a leave may follow the event before the answer comes.
   */
  watchedByEvent: boolean;
}

/** A JOIN under way, as the bus is asked for it. */
export type JoinUnderWay = Readonly<Pick<PendingJoin, 'attempt' | 'watchedByEvent'>>;

/** A leave this connection awaits: whether LEFT_CHATROOM is owed (LEAVE, not DISCONNECT). */
interface PendingLeave {
  owesLeft: boolean;
  done: (() => void) | undefined;
}

const NOTHING = Buffer.alloc(0);

/** The last JOIN attempt numbered in this process (a JOIN_ID lives on one node: enough). */
let joinAttempts = 0;

export class Session extends Connection<ParseResult> {
  /** Issued at the first JOIN and kept for every room of this connection (T7). */
  joinId: number | undefined;
  /** The JOIN in progress (requests are served one at a time, so at most one). */
  private pendingJoin: PendingJoin | undefined;
  /** Leave events awaited, by ROOM_REF; made on first use (idle connections stay small). */
  private leaving: Map<number, PendingLeave> | undefined;
  /** This connection's own leave notices while it leaves all its rooms, by ROOM_REF. */
  private ownNotices: Map<number, Buffer> | undefined;
  /** Replies still to come, in request order; made on first use. */
  private replies: OrderedReplies | undefined;
  private readonly parser: TcdParser;
  private quietTimer: NodeJS.Timeout | undefined;
  /** The requests being served came from the quiet timer, which only new bytes may arm again. */
  private fromQuiet = false;

  constructor(
    id: number,
    stream: Duplex,
    info: ConnectionInfo,
    private readonly options: ServerOptions,
    scheduler: FlushScheduler,
    private readonly handler: SessionHandler,
  ) {
    super(id, stream, info, options, scheduler);
    this.parser = new TcdParser(options.limits);
  }

  /** Leave events published for this connection and not yet delivered. */
  get pendingLeaves(): number {
    return this.leaving?.size ?? 0;
  }

  reply(text: string): void {
    const bytes = Buffer.from(text);
    if (this.replies !== undefined && this.replies.waiting > 0) this.replies.reserve()(bytes);
    else this.send(bytes);
  }

  replyError(error: ProtocolError): void {
    this.noteError(error);
    this.reply(errorReply(error));
  }

  /**
   * The outcome of a request that may complete later: an error to send, or nothing. Its reply
   * takes its place among the replies now, whenever it comes.
   */
  replyWhen(outcome: Awaitable<ProtocolError | undefined>): void {
    if (!isPromise(outcome)) {
      if (outcome !== undefined) this.replyError(outcome);
      return;
    }
    this.replies ??= new OrderedReplies((bytes) => this.send(bytes));
    const fill = this.replies.reserve();
    outcome.then(
      (error) => {
        if (error !== undefined) this.noteError(error);
        fill(error === undefined ? NOTHING : Buffer.from(errorReply(error)));
      },
      (err: unknown) => {
        const error = unavailable(err);
        this.noteError(error);
        fill(Buffer.from(errorReply(error)));
      },
    );
  }

  /** Resolves once every reply still to come has been sent; undefined when none is awaited. */
  repliesSent(): Promise<void> | undefined {
    return this.replies !== undefined && this.replies.waiting > 0 ? this.replies.idle() : undefined;
  }

  /**
   * A JOIN of `room` is under way: its join event, when delivered, makes the membership.
   * Returns it with the attempt that names it, for the bus.
   */
  expectJoin(room: string): JoinUnderWay {
    const attempt = ++joinAttempts;
    this.pendingJoin = {
      room,
      attempt,
      ref: undefined,
      done: undefined,
      abandoned: false,
      watchedByEvent: false,
    };
    return this.pendingJoin;
  }

  /** The bus answered the JOIN under way: its event will be room `ref`'s. */
  joinAnswered(ref: number): void {
    if (this.pendingJoin !== undefined) this.pendingJoin.ref = ref;
  }

  /**
   * The JOIN under way has its event delivered: true if the bus has not answered it yet, in
   * which case the event takes the room's watch (`watchedByEvent`).
   */
  joinEventFirst(): boolean {
    const pending = this.pendingJoin;
    if (pending === undefined || pending.ref !== undefined) return false;
    pending.watchedByEvent = true;
    return true;
  }

  /** True if the JOIN under way waits for an event of room `ref`. */
  awaitsJoinOf(ref: number): boolean {
    return this.pendingJoin?.ref === ref && !this.pendingJoin.abandoned;
  }

  /** True if the JOIN of `room` under way, by `attempt`, awaits its join event. */
  awaitsJoin(room: string, attempt: number): boolean {
    const pending = this.pendingJoin;
    return pending?.room === room && pending.attempt === attempt && !pending.abandoned;
  }

  /**
   * True if the connection closed while its JOIN awaited the bus's answer or its event: the
   * leaves published at the close take it out of the room again, so nothing is to be made of
   * the answer here (no membership, no watch).
   */
  get joinAbandoned(): boolean {
    return this.pendingJoin?.abandoned === true;
  }

  /** The room an abandoned JOIN had been answered with (and watched), if it had. */
  get abandonedJoinRef(): number | undefined {
    return this.pendingJoin?.abandoned === true ? this.pendingJoin.ref : undefined;
  }

  /** The JOIN's event was delivered (or the JOIN ended without one). */
  joinSettled(): void {
    const pending = this.pendingJoin;
    this.pendingJoin = undefined;
    pending?.done?.();
  }

  /** Resolves once the JOIN under way is settled; undefined if it already is. */
  joinWait(): Promise<void> | undefined {
    const pending = this.pendingJoin;
    if (pending === undefined || pending.abandoned) return undefined;
    return new Promise((resolve) => (pending.done = resolve));
  }

  /** A leave of room `ref` was asked for; `owesLeft` for a LEAVE (T3), not a DISCONNECT. */
  expectLeave(ref: number, owesLeft: boolean): void {
    this.leaving ??= new Map();
    this.leaving.set(ref, { owesLeft, done: undefined });
  }

  /** True if this connection asked to leave `ref` (LEAVE, DISCONNECT or its close). */
  expectsLeave(ref: number): boolean {
    return this.leaving?.has(ref) === true;
  }

  /** True if this connection's LEAVE of `ref` is still to be answered with LEFT_CHATROOM. */
  owesLeft(ref: number): boolean {
    return this.leaving?.get(ref)?.owesLeft === true;
  }

  /**
   * The LEAVE of `ref` was answered already (error 16), yet its leave is still awaited: when
   * it comes, the connection's own leave notice says it is out, with no LEFT_CHATROOM.
   */
  leaveAnswered(ref: number): void {
    const pending = this.leaving?.get(ref);
    if (pending !== undefined) pending.owesLeft = false;
  }

  /** The leave of `ref` was delivered (or turned out to be needless). */
  leaveSettled(ref: number): void {
    const pending = this.leaving?.get(ref);
    if (pending === undefined) return;
    this.leaving?.delete(ref);
    pending.done?.();
  }

  /** Keeps this connection's own leave notice of `ref` until `sendOwnNotices` (T6). */
  holdOwnNotice(ref: number, notice: Buffer): void {
    this.ownNotices ??= new Map();
    this.ownNotices.set(ref, notice);
  }

  /** Sends the leave notices kept, by ascending ROOM_REF (T6). */
  sendOwnNotices(): void {
    const notices = this.ownNotices;
    if (notices === undefined) return;
    this.ownNotices = undefined;
    for (const ref of [...notices.keys()].sort((a, b) => a - b)) {
      this.send(notices.get(ref) as Buffer);
    }
  }

  /** Resolves once the leave of `ref` is settled; undefined if it already is. */
  leaveWait(ref: number): Promise<void> | undefined {
    const pending = this.leaving?.get(ref);
    if (pending === undefined) return undefined;
    return new Promise((resolve) => (pending.done = resolve));
  }

  protected received(chunk: Buffer): void {
    // New bytes: the peer was not quiet. The timer is armed again once they are served.
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.fromQuiet = false;
    const results = this.parser.push(chunk);
    if (results.length > 0) this.accept(results);
    else this.inputServed();
  }

  protected serve(result: ParseResult): void | Promise<void> {
    return this.handler.request(this, result);
  }

  protected inputEnded(): void {
    this.accept(this.parser.end());
  }

  /** Everything read is served: a request left without its final newline may wait on quiet. */
  protected override inputServed(): void {
    // A peer quiet mid-request would otherwise wake the timer every quiet-ms for nothing.
    if (!this.fromQuiet) this.armQuietTimer();
  }

  protected idledOut(): void {
    const ms = this.options.limits.idleTimeoutMs;
    this.replyError(protocolError(ErrorCode.IdleTimeout, `nothing received for ${ms} ms`));
    this.finish('idle timeout');
  }

  protected dropped(cause: DropCause): void {
    this.handler.dropped(this, cause);
  }

  protected closed(reason: string): void {
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
    this.replies?.clear();
    this.abandonJoin();
    this.handler.closed(this, reason);
  }

  /** The JOIN under way, if any, will make no membership: its request is done. */
  private abandonJoin(): void {
    const pending = this.pendingJoin;
    if (pending === undefined || pending.abandoned) return;
    pending.abandoned = true;
    pending.done?.();
  }

  /** Every error reply is counted (metrics) and, at debug, logged. */
  private noteError(error: ProtocolError): void {
    this.handler.errorReplied(error.code);
    if (this.options.logger.isLevelEnabled('debug')) {
      this.log.debug({ code: error.code, detail: error.detail }, 'error reply');
    }
  }

  /** T11: a JOIN, LEAVE or DISCONNECT left without its final newline counts once the peer is quiet. */
  private armQuietTimer(): void {
    if (this.state !== 'open' || !this.parser.waitingOnQuiet) {
      if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
      this.quietTimer = undefined;
      return;
    }
    if (this.quietTimer === undefined) {
      this.quietTimer = setTimeout(() => {
        this.quietTimer = undefined;
        // Quiet, or only held by us? Bytes may wait unread while we hold the connection:
        // the timer is armed again once they, and what waited, are served.
        if (this.waiting) return;
        this.fromQuiet = true;
        this.accept(this.parser.quiet());
      }, this.options.quietMs);
      this.quietTimer.unref();
    } else {
      this.quietTimer.refresh();
    }
  }
}

/** Error 16 for a request the store could not carry out in time. */
export function unavailable(err: unknown): ProtocolError {
  const why = err instanceof Error ? err.message : String(err);
  return protocolError(ErrorCode.Unavailable, why);
}
