/**
 * One COL334 connection: its framer, its bounded output queue (a slow reader is cut off), its
 * replies in request order, and what it registered as. It turns bytes into requests for the
 * server and writes nothing except through the queue.
 */
import type { Duplex } from 'node:stream';
import { Col334Code, type Role } from '../protocol/col334.js';
import { Col334Framer } from '../protocol/col334-framer.js';
import { classifyRequest, type Col334Request } from '../protocol/col334-request.js';
import { col334Reply } from '../protocol/col334-serialize.js';
import { Connection, type ConnectionInfo, type DropCause } from '../conn/connection.js';
import type { FlushScheduler } from '../conn/send-queue.js';
import type { DirectOptions } from './options.js';
import type { DirectUser } from './registry.js';
import { OrderedReplies } from '../conn/ordered-replies.js';

export interface DirectSessionHandler {
  request(session: DirectSession, request: Col334Request): void;
  /** Our side began closing (or the peer's did): the user's name need not wait for the close. */
  ending(session: DirectSession): void;
  closed(session: DirectSession, reason: string): void;
  /** The server is cutting the connection off, for `cause` (counted for metrics). */
  dropped(session: DirectSession, cause: DropCause): void;
}

export class DirectSession extends Connection<Col334Request> {
  role: Role | undefined;
  /** The name registered on this connection; kept for logs after the user is released. */
  name: string | undefined;
  /** The registered user, until it is released. */
  user: DirectUser<DirectSession> | undefined;
  private readonly framer: Col334Framer;
  private readonly replies: OrderedReplies;
  private waitingOnReplies = false;

  constructor(
    id: number,
    stream: Duplex,
    info: ConnectionInfo,
    private readonly options: DirectOptions,
    scheduler: FlushScheduler,
    private readonly handler: DirectSessionHandler,
  ) {
    super(`dm-${id}`, stream, info, options, scheduler);
    this.framer = new Col334Framer({
      maxHeaderBytes: options.limits.maxRequestBytes,
      maxBodyBytes: options.limits.maxMessageBytes,
    });
    this.replies = new OrderedReplies(
      (reply) => this.send(reply),
      () => this.resumeIfDrained(),
    );
  }

  /**
   * A receive connection only answers FORWARDs, so silence there is normal: it is exempt from
   * the idle timeout, and closes with its send connection, which is not.
   */
  exemptFromIdle(): void {
    this.stopIdleTimer();
  }

  /** Reserves this request's place among the replies (see OrderedReplies). */
  reserveReply(): (reply: Buffer) => void {
    return this.replies.reserve();
  }

  reply(reply: Buffer): void {
    this.replies.reserve()(reply);
  }

  /** ERROR 103: sent at once, ahead of replies still awaited, then the connection closes. */
  failHeader(detail: string): void {
    this.log.debug({ detail }, 'ERROR 103, closing');
    this.replies.clear();
    this.send(col334Reply.error(Col334Code.HeaderIncomplete));
    this.finish(`header incomplete: ${detail}`);
  }

  protected override ending(): void {
    this.replies.clear();
    this.handler.ending(this);
  }

  protected received(chunk: Buffer): void {
    const maxBytes = this.options.limits.maxNameBytes;
    const frames = this.framer.push(chunk);
    if (frames.length > 0) this.accept(frames.map((frame) => classifyRequest(frame, maxBytes)));
  }

  protected serve(request: Col334Request): void {
    this.handler.request(this, request);
    // A sender far ahead of its replies is not read until they catch up (bounded memory).
    if (!this.waitingOnReplies && this.replies.waiting >= this.options.maxPendingPerSender) {
      this.waitingOnReplies = true;
      this.pauseReading();
    }
  }

  /** Acknowledgements are answers, never slowed down (Part 3 limits requests). */
  protected override rateExempt(request: Col334Request): boolean {
    return request.type === 'ack' || request.type === 'refused';
  }

  /** The peer is done sending; the connection closes once its requests are answered. */
  protected inputEnded(): void {}

  /** Replies still awaited (recipients' acknowledgements) go out before the close. */
  protected override answeredAll(): void {
    const owed = this.replies.waiting > 0 ? this.replies.idle() : undefined;
    if (owed === undefined) this.finish('peer ended');
    else void owed.then(() => this.finish('peer ended'));
  }

  protected idledOut(): void {
    this.finish('idle timeout');
  }

  protected dropped(cause: DropCause): void {
    this.handler.dropped(this, cause);
  }

  protected override closeDetails(): Record<string, unknown> {
    return { user: this.name, role: this.role };
  }

  protected closed(reason: string): void {
    this.replies.clear();
    this.handler.closed(this, reason);
  }

  private resumeIfDrained(): void {
    if (this.waitingOnReplies && this.replies.waiting < this.options.maxPendingPerSender) {
      this.waitingOnReplies = false;
      this.resumeReading();
    }
  }
}
