/**
 * One COL334 connection: its framer, its bounded output queue (a slow reader is cut off), its
 * replies in request order, and what it registered as. It turns bytes into requests for the
 * server and writes nothing except through the queue.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { TokenBucket } from '../core/token-bucket.js';
import { Col334Code, type Role } from '../protocol/col334.js';
import { Col334Framer } from '../protocol/col334-framer.js';
import { classifyRequest, type Col334Request } from '../protocol/col334-request.js';
import { col334Reply } from '../protocol/col334-serialize.js';
import type { FlushScheduler } from '../server/send-queue.js';
import { SendQueue } from '../server/send-queue.js';
import type { ConnectionInfo } from '../server/session.js';
import type { DirectOptions } from './options.js';
import type { DirectUser } from './registry.js';
import { OrderedReplies } from './replies.js';

export interface DirectSessionHandler {
  request(session: DirectSession, request: Col334Request): void;
  /** Our side began closing (or the peer's did): the user's name need not wait for the close. */
  ending(session: DirectSession): void;
  closed(session: DirectSession, reason: string): void;
}

export type DirectSessionState = 'open' | 'closing' | 'closed';

export class DirectSession {
  role: Role | undefined;
  /** The name registered on this connection; kept for logs after the user is released. */
  name: string | undefined;
  /** The registered user, until it is released. */
  user: DirectUser<DirectSession> | undefined;
  state: DirectSessionState = 'open';
  readonly log: Logger;
  private readonly framer: Col334Framer;
  private readonly queue: SendQueue;
  private readonly replies: OrderedReplies;
  private readonly rate: TokenBucket | undefined;
  /** Requests refused in a row for going over the rate; past the burst, the peer is cut off. */
  private refusedInARow = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private closeReason = 'peer closed';
  private ended = false;
  private paused = false;

  constructor(
    readonly id: number,
    private readonly stream: Duplex,
    readonly info: ConnectionInfo,
    private readonly options: DirectOptions,
    scheduler: FlushScheduler,
    private readonly handler: DirectSessionHandler,
  ) {
    this.log = options.logger.child({ conn: `dm-${id}` });
    this.framer = new Col334Framer({
      maxHeaderBytes: options.limits.maxRequestBytes,
      maxBodyBytes: options.limits.maxMessageBytes,
    });
    this.queue = new SendQueue(stream, scheduler, options.limits.sendQueueBytes, (queued) =>
      this.abort(`slow reader: ${queued} bytes queued`),
    );
    this.replies = new OrderedReplies(
      (reply) => this.send(reply),
      () => this.resumeIfDrained(),
    );
    const { rateLimitPerSecond, rateBurst, idleTimeoutMs } = options.limits;
    if (rateLimitPerSecond > 0) {
      this.rate = new TokenBucket(rateLimitPerSecond, rateBurst, Date.now());
    }
    if (idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => this.finish('idle timeout'), idleTimeoutMs);
      this.idleTimer.unref();
    }
    stream.on('data', (chunk: Buffer) => {
      this.idleTimer?.refresh();
      this.receive(chunk);
    });
    // The peer is done sending; replies could not reach it any more (no half-open sockets).
    stream.on('end', () => this.finish('peer ended'));
    stream.on('error', (err: Error) => {
      this.closeReason = `error: ${err.message}`;
    });
    stream.on('close', () => this.onClose());
  }

  /** Takes the bytes the acceptor read while choosing the protocol. */
  start(head: Buffer): void {
    if (head.length > 0) this.receive(head);
    if (this.stream.readableEnded) this.finish('peer ended');
  }

  /** Queues bytes in arrival order; a FORWARD frame may be shared with other recipients. */
  send(frame: Buffer): void {
    if (!this.ended) this.queue.push(frame);
  }

  /**
   * A receive connection only answers FORWARDs, so silence there is normal: it is exempt from
   * the idle timeout, and closes with its send connection, which is not.
   */
  exemptFromIdle(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
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

  /** Sends what is queued, then closes our side. */
  finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.closeReason = reason;
    if (this.state === 'open') this.state = 'closing';
    this.replies.clear();
    this.queue.flush();
    this.stream.end();
    this.handler.ending(this);
    // A peer that never closes its side must not keep the connection: cut it after a grace.
    setTimeout(() => this.abort(`${reason} (peer did not close)`), 2000).unref();
  }

  /** Closes at once, dropping anything queued. */
  abort(reason: string): void {
    if (this.state === 'closed') return;
    this.ended = true;
    this.closeReason = reason;
    this.state = 'closing';
    this.stream.destroy();
    this.handler.ending(this);
  }

  private receive(chunk: Buffer): void {
    if (this.state !== 'open') return;
    const maxBytes = this.options.limits.maxNameBytes;
    const frames = this.framer.push(chunk);
    const now = frames.length > 0 && this.rate !== undefined ? Date.now() : 0;
    for (const frame of frames) {
      if (this.state !== 'open') return; // nothing after a 103 or an abort is acted on
      const request = classifyRequest(frame, maxBytes);
      if (this.withinRate(request, now)) this.handler.request(this, request);
    }
    // A sender far ahead of its replies is not read until they catch up (bounded memory).
    if (!this.paused && this.replies.waiting >= this.options.maxPendingPerSender) {
      this.paused = true;
      this.stream.pause();
    }
  }

  /**
   * The request-rate limit of Part 3. Acknowledgements are answers, never limited. COL334 has no
   * rate error: a request over the rate gets ERROR 102 (not done); a peer that keeps flooding
   * past the burst is cut off.
   */
  private withinRate(request: Col334Request, now: number): boolean {
    if (this.rate === undefined || request.type === 'ack' || request.type === 'refused') {
      return true;
    }
    if (this.rate.take(now)) {
      this.refusedInARow = 0;
      return true;
    }
    if (++this.refusedInARow > this.options.limits.rateBurst) {
      this.log.warn({ refused: this.refusedInARow }, 'request flood');
      this.abort('request flood');
    } else {
      this.reply(col334Reply.error(Col334Code.UnableToSend));
    }
    return false;
  }

  private resumeIfDrained(): void {
    if (this.paused && this.replies.waiting < this.options.maxPendingPerSender) {
      this.paused = false;
      if (this.state === 'open') this.stream.resume();
    }
  }

  private onClose(): void {
    this.ended = true;
    this.exemptFromIdle();
    this.state = 'closed';
    this.replies.clear();
    this.log.info({ reason: this.closeReason, user: this.name, role: this.role }, 'closed');
    this.handler.closed(this, this.closeReason);
  }
}
