/**
 * One client connection: its parser, its bounded output queue, its JOIN_ID, and the events of
 * its stream. It turns bytes into requests for the server and never writes the stream itself
 * except through the queue, so replies and room events reach the peer in the order queued.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { TcdParser, type ParseResult } from '../protocol/tcd-parse.js';
import { errorReply } from '../protocol/tcd-serialize.js';
import { ErrorCode, protocolError, type ProtocolError } from '../protocol/errors.js';
import { TokenBucket } from '../core/token-bucket.js';
import type { FlushScheduler } from './send-queue.js';
import { SendQueue } from './send-queue.js';
import type { ServerOptions } from './options.js';

/** Where the connection came from and which address of ours it reached (T9). */
export interface ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

/** Why the server cut a connection off on its own initiative. */
export type DropCause = 'slow-reader' | 'flood' | 'idle' | 'internal-error';

export interface SessionHandler {
  request(session: Session, result: ParseResult): void;
  closed(session: Session, reason: string): void;
  dropped(session: Session, cause: DropCause): void;
}

export type SessionState = 'open' | 'closing' | 'closed';

/** How long a connection we closed may wait for the peer to close its side. */
const LINGER_MS = 2000;

export class Session {
  /** Issued at the first JOIN and kept for every room of this connection (T7). */
  joinId: number | undefined;
  state: SessionState = 'open';
  /** Leave events published for this connection and not yet delivered (DISCONNECT waits on them). */
  pendingLeaves = 0;
  private childLog: Logger | undefined;
  private readonly parser: TcdParser;
  private readonly queue: SendQueue;
  private quietTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly rate: TokenBucket | undefined;
  /** Requests refused in a row for going over the rate; past the burst, the peer is cut off. */
  private refusedInARow = 0;
  private closeReason = 'peer closed';
  /** Our side is closed: nothing more may be queued. */
  private ended = false;

  constructor(
    readonly id: number,
    private readonly stream: Duplex,
    readonly info: ConnectionInfo,
    private readonly options: ServerOptions,
    scheduler: FlushScheduler,
    private readonly handler: SessionHandler,
  ) {
    this.parser = new TcdParser(options.limits);
    this.queue = new SendQueue(stream, scheduler, options.limits.sendQueueBytes, (queued) =>
      this.drop('slow-reader', `slow reader: ${queued} bytes unsent`),
    );
    const { rateLimitPerSecond, rateBurst, idleTimeoutMs } = options.limits;
    if (rateLimitPerSecond > 0)
      this.rate = new TokenBucket(rateLimitPerSecond, rateBurst, Date.now());
    if (idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => this.idledOut(), idleTimeoutMs);
      this.idleTimer.unref();
    }
    stream.on('data', (chunk: Buffer) => {
      if (this.state !== 'open') return; // closing: what the peer still sends is read and dropped
      this.idleTimer?.refresh();
      this.receive(this.parser.push(chunk));
    });
    stream.on('end', () => this.receive(this.parser.end()));
    stream.on('error', (err: Error) => {
      this.closeReason = `error: ${err.message}`;
    });
    stream.on('close', () => this.onClose());
  }

  /** Takes the bytes read while the acceptor chose the protocol, and an end that came with them. */
  start(head: Buffer): void {
    if (head.length > 0) this.receive(this.parser.push(head));
    if (this.stream.readableEnded) this.receive(this.parser.end());
  }

  /** This connection's logger, made on first use: a child logger per idle connection costs memory. */
  get log(): Logger {
    this.childLog ??= this.options.logger.child({ conn: this.id });
    return this.childLog;
  }

  /** Queues a frame shared with other recipients; never copied per connection. */
  send(frame: Buffer): void {
    if (!this.ended) this.queue.push(frame);
  }

  reply(text: string): void {
    this.send(Buffer.from(text));
  }

  replyError(error: ProtocolError): void {
    if (this.options.logger.isLevelEnabled('debug')) {
      this.log.debug({ code: error.code, detail: error.detail }, 'error reply');
    }
    this.reply(errorReply(error));
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
  }

  /** Closes at once, dropping anything queued. */
  abort(reason: string): void {
    if (this.state === 'closed') return;
    this.ended = true;
    this.closeReason = reason;
    this.state = 'closing';
    this.stream.destroy();
  }

  private receive(results: ParseResult[]): void {
    const now = results.length > 0 && this.rate !== undefined ? Date.now() : 0;
    for (const result of results) {
      if (this.state !== 'open') break; // nothing after DISCONNECT or an abort is acted on
      if (this.rate !== undefined && !this.rate.take(now)) {
        this.refuse();
        continue;
      }
      this.refusedInARow = 0;
      try {
        this.handler.request(this, result);
      } catch (err) {
        // A bug must cost one connection, never the process: log it, cut this peer off.
        this.log.error({ err }, 'request handler failed');
        this.drop('internal-error', 'internal error');
      }
    }
    this.armQuietTimer();
  }

  private drop(cause: DropCause, reason: string): void {
    if (this.state === 'closed') return;
    this.log.warn({ cause, reason }, 'disconnecting');
    this.handler.dropped(this, cause);
    // A flooder still gets the replies and errors it earned; a slow reader would not read them.
    if (cause === 'flood') this.finish(reason);
    else this.abort(reason);
  }

  /** Over the rate: the request gets error 11; a peer that keeps flooding is cut off. */
  private refuse(): void {
    this.refusedInARow++;
    if (this.refusedInARow > this.options.limits.rateBurst) {
      this.drop('flood', `request flood: ${this.refusedInARow} refused in a row`);
      return;
    }
    const limit = this.options.limits.rateLimitPerSecond;
    this.replyError(protocolError(ErrorCode.RateLimited, `over ${limit} requests per second`));
  }

  private idledOut(): void {
    const ms = this.options.limits.idleTimeoutMs;
    this.replyError(protocolError(ErrorCode.IdleTimeout, `nothing received for ${ms} ms`));
    this.handler.dropped(this, 'idle');
    this.finish('idle timeout');
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
        this.receive(this.parser.quiet());
      }, this.options.quietMs);
      this.quietTimer.unref();
    } else {
      this.quietTimer.refresh();
    }
  }

  private onClose(): void {
    this.ended = true;
    if (this.quietTimer !== undefined) clearTimeout(this.quietTimer);
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.state = 'closed';
    this.options.logger.info({ conn: this.id, reason: this.closeReason }, 'connection closed');
    this.handler.closed(this, this.closeReason);
  }
}
