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
import { Connection, type ConnectionInfo } from '../conn/connection.js';
import type { FlushScheduler } from '../conn/send-queue.js';
import type { DirectOptions } from './options.js';
import type { DirectUser } from './registry.js';
import { OrderedReplies } from './replies.js';

export interface DirectSessionHandler {
  request(session: DirectSession, request: Col334Request): void;
  /** Our side began closing (or the peer's did): the user's name need not wait for the close. */
  ending(session: DirectSession): void;
  closed(session: DirectSession, reason: string): void;
}

export class DirectSession extends Connection {
  role: Role | undefined;
  /** The name registered on this connection; kept for logs after the user is released. */
  name: string | undefined;
  /** The registered user, until it is released. */
  user: DirectUser<DirectSession> | undefined;
  private readonly framer: Col334Framer;
  private readonly replies: OrderedReplies;
  private paused = false;

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

  /** Takes the bytes the acceptor read while choosing the protocol. */
  start(head: Buffer): void {
    if (head.length > 0) this.receive(head);
    if (this.stream.readableEnded) this.finish('peer ended');
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
    this.receive(chunk);
  }

  /** The peer is done sending; replies could not reach it any more (no half-open sockets). */
  protected peerEnded(): void {
    this.finish('peer ended');
  }

  /** COL334 has no rate error: a request over the rate gets ERROR 102 (not done). */
  protected rateRefused(): void {
    this.reply(col334Reply.error(Col334Code.UnableToSend));
  }

  protected idledOut(): void {
    this.finish('idle timeout');
  }

  protected dropped(): void {}

  protected override closeDetails(): Record<string, unknown> {
    return { user: this.name, role: this.role };
  }

  protected closed(reason: string): void {
    this.replies.clear();
    this.handler.closed(this, reason);
  }

  private receive(chunk: Buffer): void {
    const maxBytes = this.options.limits.maxNameBytes;
    const frames = this.framer.push(chunk);
    const now = this.rateClock(frames.length);
    for (const frame of frames) {
      if (this.state !== 'open') return; // nothing after a 103 or an abort is acted on
      const request = classifyRequest(frame, maxBytes);
      // Acknowledgements are answers, never rate limited (Part 3 limits requests).
      const isAnswer = request.type === 'ack' || request.type === 'refused';
      if (isAnswer || this.withinRate(now)) this.handler.request(this, request);
    }
    // A sender far ahead of its replies is not read until they catch up (bounded memory).
    if (!this.paused && this.replies.waiting >= this.options.maxPendingPerSender) {
      this.paused = true;
      this.stream.pause();
    }
  }

  private resumeIfDrained(): void {
    if (this.paused && this.replies.waiting < this.options.maxPendingPerSender) {
      this.paused = false;
      if (this.state === 'open') this.stream.resume();
    }
  }
}
