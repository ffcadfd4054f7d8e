/**
 * One port, several protocols: the first bytes of a connection say which it speaks. Each
 * protocol but the fallback says whether the bytes so far are its own (`claims`); the choice
 * is made as soon as one claims them or all disown them, so no timer is needed and a client
 * of the fallback protocol (the chat rooms) waits for nothing. The acceptor counts
 * connections in (admission), and turns away those over the limits, or silent too long
 * before their first byte, with the fallback protocol's refusal. Every transport (TCP, TLS,
 * the in-memory pair of the tests) hands its connections here, so the same rules hold on all.
 */
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ConnectionCounter, type AdmissionLimits } from './admission.js';
import { EdgeStats, type EdgeCut } from './edge-stats.js';
import type { ConnectionInfo, Refusal } from './info.js';

/** What the acceptor may do with a connection once a protocol's server serves it. */
export interface ServedConnection {
  /** Queues bytes after whatever the connection has queued. */
  send(frame: Buffer): void;
  /** Sends what is queued, then closes. */
  finish(reason: string): void;
}

export interface ConnectionHandler {
  /** Serves a connection whose first bytes, `head`, were already read from `stream`. */
  handle(stream: Duplex, info: ConnectionInfo, head: Buffer): ServedConnection;
  /**
   * Closes every connection. `notice` (why the server stops, e.g. `SIGTERM`) lets a protocol
   * tell its clients first; without one they are closed without a word.
   */
  shutdown(graceMs?: number, notice?: string): Promise<void>;
  /** What this protocol sends a client it turns away before serving it. */
  refusal(refusal: Refusal): Buffer;
}

export interface ProtocolRoute {
  /** The protocol's name in metrics (`col334`). */
  readonly name: string;
  /** true: these bytes are this protocol's; false: they are not; undefined: cannot tell yet. */
  readonly claims: (head: Buffer) => boolean | undefined;
  readonly handler: ConnectionHandler;
}

export interface AcceptorOptions {
  readonly limits?: AdmissionLimits;
  /** Refusals and cuts are logged here; none if absent. */
  readonly logger?: Logger;
  /** The fallback protocol's name in metrics. */
  readonly fallbackName?: string;
}

const unlimited: AdmissionLimits = {
  maxConnections: 0,
  maxConnectionsPerAddress: 0,
  idleTimeoutMs: 0,
  firstRequestTimeoutMs: 0,
  exemptLoopback: true,
};

/** A refused peer that does not close its side is cut after this long. */
const REFUSAL_LINGER_MS = 1000;

function ignore(): void {}

/** True once the server wrote anything to the stream: a request of the peer was answered. */
function answered(stream: Duplex): boolean {
  return ((stream as Partial<{ bytesWritten: number }>).bytesWritten ?? 0) > 0;
}

const remote = (info: ConnectionInfo): string => `${info.remoteAddress}:${info.remotePort}`;

/** The route whose protocol `head` is, `fallback` when none claims it, undefined while unsure. */
export function chooseRoute(
  head: Buffer,
  routes: readonly ProtocolRoute[],
): ProtocolRoute | 'fallback' | undefined {
  let unsure = false;
  for (const route of routes) {
    const claim = route.claims(head);
    if (claim === true) return route;
    if (claim === undefined) unsure = true;
  }
  return unsure ? undefined : 'fallback';
}

/** A connection counted in, until a protocol's server takes it (EdgeStats keeps the rest). */
interface Admitted {
  readonly stream: Duplex;
  readonly info: ConnectionInfo;
  /** Tells the first-request timer which server took the connection. */
  readonly served: ((handler: ConnectionHandler, connection: ServedConnection) => void) | undefined;
}

export class Acceptor {
  /** What was accepted, refused and cut, for metrics. */
  readonly stats = new EdgeStats();
  private readonly counter: ConnectionCounter;
  private readonly limits: AdmissionLimits;
  private readonly logger: Logger | undefined;
  private readonly fallbackName: string;
  /** Connections whose protocol is not known yet: no server has them, so shutdown must. */
  private readonly undecided = new Set<Duplex>();
  private stopping = false;

  /**
   * Counts a connection out when it closes: one listener for all of them, which finds the
   * connection's record in the stats (a closure per connection would keep an object, a
   * closure and its scope alive for as long as it is open).
   */
  private readonly countOut: (this: Duplex) => void;

  constructor(
    private readonly fallback: ConnectionHandler,
    private readonly routes: readonly ProtocolRoute[] = [],
    options: AcceptorOptions = {},
  ) {
    const stats = this.stats;
    const counter = (this.counter = new ConnectionCounter(options.limits ?? unlimited));
    this.countOut = function (this: Duplex): void {
      const key = stats.closed(this);
      if (key !== undefined) counter.release(key);
    };
    this.limits = options.limits ?? unlimited;
    this.logger = options.logger;
    this.fallbackName = options.fallbackName ?? 'tcd';
  }

  /**
   * Admits a connection and hands it to its protocol's server. `protocols: 'fallback'` skips
   * the sniffing: the stream speaks the fallback protocol (the chat rooms), as a WebSocket
   * from the gateway does.
   */
  handle(stream: Duplex, info: ConnectionInfo, protocols: 'sniff' | 'fallback' = 'sniff'): void {
    if (this.stopping) {
      stream.on('error', ignore);
      stream.destroy();
      return;
    }
    const admission = this.counter.admit(info.remoteAddress);
    if (!admission.admitted) {
      this.stats.refused.add(admission.cause);
      this.logger?.info({ remote: remote(info), cause: admission.cause }, 'connection refused');
      this.refuse(stream, { kind: 'server-full', detail: admission.why });
      return;
    }
    const admitted: Admitted = {
      stream,
      info,
      served: admission.exempt ? undefined : this.watchFirstRequest(stream, info),
    };
    this.stats.opened(stream, info.transport ?? 'tcp', admission.key);
    stream.on('close', this.countOut);
    if (this.routes.length === 0 || protocols === 'fallback') {
      this.serve(admitted, this.fallbackName, this.fallback, Buffer.alloc(0));
      return;
    }
    this.sniff(admitted);
  }

  private serve(admitted: Admitted, name: string, handler: ConnectionHandler, head: Buffer): void {
    this.stats.decided(admitted.stream, name);
    const connection = handler.handle(admitted.stream, admitted.info, head);
    admitted.served?.(handler, connection);
  }

  /** Reads until the first bytes say which protocol the connection speaks. */
  private sniff(admitted: Admitted): void {
    const { stream, info } = admitted;
    let head: Buffer = Buffer.alloc(0);
    this.undecided.add(stream);
    // The idle timeout holds before the first byte too: silent sockets must not keep slots.
    const { idleTimeoutMs } = this.limits;
    const silence =
      idleTimeoutMs > 0
        ? setTimeout(() => {
            if (stream.writableEnded) return; // already refused
            const detail = `nothing received for ${idleTimeoutMs} ms`;
            this.cutOff('idle', info, detail);
            this.refuse(stream, { kind: 'idle', detail });
          }, idleTimeoutMs).unref()
        : undefined;
    const decide = (name: string, handler: ConnectionHandler): void => {
      clearTimeout(silence);
      this.undecided.delete(stream);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      stream.off('error', ignore);
      this.serve(admitted, name, handler, head);
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const route = chooseRoute(head, this.routes);
      if (route === 'fallback') decide(this.fallbackName, this.fallback);
      else if (route !== undefined) decide(route.name, route.handler);
    };
    // A peer that ends while still ambiguous ("REG") gets the fallback protocol's answer.
    const onEnd = (): void => decide(this.fallbackName, this.fallback);
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
   * The open-network rule: a connection the server has not answered within the first-request
   * timeout of its opening is closed with the fallback protocol's idle refusal (error 13), or,
   * once a protocol serves it, that protocol's. "Answered" is read from the stream's
   * `bytesWritten` when the timer fires, so the rule costs one timer per connection and
   * nothing per byte. Returns what to call once a protocol serves the connection.
   */
  private watchFirstRequest(
    stream: Duplex,
    info: ConnectionInfo,
  ): ((handler: ConnectionHandler, connection: ServedConnection) => void) | undefined {
    const timeoutMs = this.limits.firstRequestTimeoutMs;
    if (timeoutMs <= 0) return undefined;
    let servedBy: { handler: ConnectionHandler; connection: ServedConnection } | undefined;
    const timer = setTimeout(() => {
      if (stream.destroyed || stream.writableEnded || answered(stream)) return;
      const detail = `no request answered within ${timeoutMs} ms`;
      this.cutOff('first-request-timeout', info, detail);
      if (servedBy === undefined) {
        this.refuse(stream, { kind: 'idle', detail });
        return;
      }
      const refusal = servedBy.handler.refusal({ kind: 'idle', detail });
      if (refusal.length > 0) servedBy.connection.send(refusal);
      servedBy.connection.finish(`first request timeout: ${detail}`);
    }, timeoutMs).unref();
    stream.once('close', () => clearTimeout(timer));
    return (handler, connection) => {
      servedBy = { handler, connection };
    };
  }

  private cutOff(cause: EdgeCut, info: ConnectionInfo, reason: string): void {
    this.stats.cut.add(cause);
    this.logger?.info({ remote: remote(info), cause, reason }, 'disconnecting');
  }

  /**
   * Before the protocol is known, a refusal is the fallback protocol's, then the close; the
   * stream stays among the undecided until then, so shutdown does not wait on it.
   */
  private refuse(stream: Duplex, refusal: Refusal): void {
    this.undecided.add(stream);
    stream.once('close', () => this.undecided.delete(stream));
    stream.on('error', ignore);
    stream.end(this.fallback.refusal(refusal));
    setTimeout(() => stream.destroy(), REFUSAL_LINGER_MS).unref();
  }

  async shutdown(graceMs?: number, notice?: string): Promise<void> {
    this.stopping = true;
    for (const stream of this.undecided) stream.destroy(); // never spoke: nothing to send them
    this.undecided.clear();
    await Promise.all([
      this.fallback.shutdown(graceMs, notice),
      ...this.routes.map((route) => route.handler.shutdown(graceMs, notice)),
    ]);
  }
}
