/**
 * One port, two protocols: the first bytes of a connection say which it speaks. A connection
 * whose first line begins `REGISTER` speaks the direct-message protocol (PROTOCOL.md Part 2);
 * anything else is the chat-room protocol. No request of the chat-room protocol begins with
 * `R`, so the choice is made on the first byte that differs from `REGISTER`, without a timer.
 */
import type { Duplex } from 'node:stream';
import { ErrorCode, protocolError, type ProtocolError } from '../protocol/errors.js';
import { errorReply } from '../protocol/tcd-serialize.js';
import { ConnectionCounter, type AdmissionLimits } from './admission.js';
import type { ConnectionInfo } from './session.js';

export interface ConnectionHandler {
  /** Serves a connection whose first bytes, `head`, were already read from `stream`. */
  handle(stream: Duplex, info: ConnectionInfo, head: Buffer): void;
  /** Closes every connection; with a `farewell`, clients are told why first. */
  shutdown(graceMs?: number, farewell?: ProtocolError): Promise<void>;
}

export type WireProtocol = 'tcd' | 'col334';

const REGISTER = Buffer.from('REGISTER');

function ignore(): void {}

/** 'col334' or 'tcd' once the bytes decide, undefined while they are still a prefix of REGISTER. */
export function detectProtocol(head: Buffer): WireProtocol | undefined {
  const n = Math.min(head.length, REGISTER.length);
  if (head.compare(REGISTER, 0, n, 0, n) !== 0) return 'tcd';
  return head.length >= REGISTER.length ? 'col334' : undefined;
}

export interface AcceptorHandlers {
  readonly tcd: ConnectionHandler;
  /** Without one, every connection is served as the chat-room protocol. */
  readonly col334?: ConnectionHandler;
}

const unlimited: AdmissionLimits = {
  maxConnections: 0,
  maxConnectionsPerAddress: 0,
  idleTimeoutMs: 0,
};

export class Acceptor {
  private readonly counter: ConnectionCounter;
  /** Connections whose protocol is not known yet: no server has them, so shutdown must. */
  private readonly undecided = new Set<Duplex>();
  private stopping = false;

  constructor(
    private readonly handlers: AcceptorHandlers,
    private readonly limits: AdmissionLimits = unlimited,
  ) {
    this.counter = new ConnectionCounter(limits);
  }

  handle(stream: Duplex, info: ConnectionInfo): void {
    if (this.stopping) {
      stream.on('error', ignore);
      stream.destroy();
      return;
    }
    const admission = this.counter.admit(info.remoteAddress);
    if (!admission.admitted) {
      this.refuse(stream, protocolError(ErrorCode.ServerFull, admission.why));
      return;
    }
    stream.once('close', () => this.counter.release(info.remoteAddress));
    const col334 = this.handlers.col334;
    if (col334 === undefined) {
      this.handlers.tcd.handle(stream, info, Buffer.alloc(0));
      return;
    }
    let head: Buffer = Buffer.alloc(0);
    this.undecided.add(stream);
    // The idle timeout holds before the first byte too: silent sockets must not keep slots.
    const { idleTimeoutMs } = this.limits;
    const silence =
      idleTimeoutMs > 0
        ? setTimeout(() => {
            const detail = `nothing received for ${idleTimeoutMs} ms`;
            this.refuse(stream, protocolError(ErrorCode.IdleTimeout, detail));
          }, idleTimeoutMs).unref()
        : undefined;
    const decide = (protocol: WireProtocol): void => {
      clearTimeout(silence);
      this.undecided.delete(stream);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      stream.off('error', ignore);
      (protocol === 'col334' ? col334 : this.handlers.tcd).handle(stream, info, head);
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const protocol = detectProtocol(head);
      if (protocol !== undefined) decide(protocol);
    };
    // A peer that ends while still ambiguous ("REG") gets the chat-room protocol's answer.
    const onEnd = (): void => decide('tcd');
    const onClose = (): void => {
      clearTimeout(silence);
      this.undecided.delete(stream);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onClose);
    stream.on('error', ignore); // a reset before the first byte must not become an uncaught error
  }

  /** Connections counted in and not yet closed, whatever their protocol. */
  get admittedCount(): number {
    return this.counter.total;
  }

  /**
   * Before the protocol is known, a refusal is the chat-room protocol's error, then the close;
   * the stream stays among the undecided until then, so shutdown does not wait on it.
   */
  private refuse(stream: Duplex, error: ProtocolError): void {
    this.undecided.add(stream);
    stream.once('close', () => this.undecided.delete(stream));
    stream.on('error', ignore);
    stream.end(errorReply(error));
    setTimeout(() => stream.destroy(), 1000); // a peer that does not close is cut
  }

  async shutdown(graceMs?: number, farewell?: ProtocolError): Promise<void> {
    this.stopping = true;
    for (const stream of this.undecided) stream.destroy(); // never spoke: nothing to send them
    this.undecided.clear();
    await Promise.all([
      this.handlers.tcd.shutdown(graceMs, farewell),
      this.handlers.col334?.shutdown(graceMs, farewell),
    ]);
  }
}
