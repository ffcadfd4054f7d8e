/**
 * One chat-room connection: its parser, its JOIN_ID, and its requests. It turns bytes into
 * requests for the server; everything it sends goes through the connection's queue, so replies
 * and room events reach the peer in the order queued.
 */
import type { Duplex } from 'node:stream';
import { Connection, type ConnectionInfo, type DropCause } from '../conn/connection.js';
import type { FlushScheduler } from '../conn/send-queue.js';
import { ErrorCode, protocolError, type ProtocolError } from '../protocol/errors.js';
import { TcdParser, type ParseResult } from '../protocol/tcd-parse.js';
import { errorReply } from '../protocol/tcd-serialize.js';
import type { ServerOptions } from './options.js';

export type { ConnectionInfo, DropCause } from '../conn/connection.js';

export interface SessionHandler {
  request(session: Session, result: ParseResult): void;
  closed(session: Session, reason: string): void;
  dropped(session: Session, cause: DropCause): void;
}

export class Session extends Connection<ParseResult> {
  /** Issued at the first JOIN and kept for every room of this connection (T7). */
  joinId: number | undefined;
  /** Leave events published for this connection and not yet delivered (DISCONNECT waits on them). */
  pendingLeaves = 0;
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

  reply(text: string): void {
    this.send(Buffer.from(text));
  }

  replyError(error: ProtocolError): void {
    if (this.options.logger.isLevelEnabled('debug')) {
      this.log.debug({ code: error.code, detail: error.detail }, 'error reply');
    }
    this.reply(errorReply(error));
  }

  protected received(chunk: Buffer): void {
    this.fromQuiet = false;
    const results = this.parser.push(chunk);
    if (results.length > 0) this.accept(results);
    else this.inputServed();
  }

  protected serve(result: ParseResult): void {
    this.handler.request(this, result);
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
    this.handler.closed(this, reason);
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
        this.fromQuiet = true;
        this.accept(this.parser.quiet());
      }, this.options.quietMs);
      this.quietTimer.unref();
    } else {
      this.quietTimer.refresh();
    }
  }
}
