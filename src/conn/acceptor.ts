/**
 * One port, several protocols: the first bytes of a connection say which it speaks. Each
 * protocol but the fallback says whether the bytes so far are its own (`claims`); the choice
 * is made as soon as one claims them or all disown them, so no timer is needed and a client
 * of the fallback protocol (the chat rooms) waits for nothing. The acceptor counts
 * connections in (admission), and turns away those over the limits, or silent too long
 * before their first byte, with the fallback protocol's refusal.
 */
import type { Duplex } from 'node:stream';
import { ConnectionCounter, type AdmissionLimits } from './admission.js';
import type { ConnectionInfo, Refusal } from './info.js';

export interface ConnectionHandler {
  /** Serves a connection whose first bytes, `head`, were already read from `stream`. */
  handle(stream: Duplex, info: ConnectionInfo, head: Buffer): void;
  /**
   * Closes every connection. `notice` (why the server stops, e.g. `SIGTERM`) lets a protocol
   * tell its clients first; without one they are closed without a word.
   */
  shutdown(graceMs?: number, notice?: string): Promise<void>;
  /** What this protocol sends a client it turns away before serving it. */
  refusal(refusal: Refusal): Buffer;
}

export interface ProtocolRoute {
  /** true: these bytes are this protocol's; false: they are not; undefined: cannot tell yet. */
  readonly claims: (head: Buffer) => boolean | undefined;
  readonly handler: ConnectionHandler;
}

const unlimited: AdmissionLimits = {
  maxConnections: 0,
  maxConnectionsPerAddress: 0,
  idleTimeoutMs: 0,
};

/** A refused peer that does not close its side is cut after this long. */
const REFUSAL_LINGER_MS = 1000;

function ignore(): void {}

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

export class Acceptor {
  private readonly counter: ConnectionCounter;
  /** Connections whose protocol is not known yet: no server has them, so shutdown must. */
  private readonly undecided = new Set<Duplex>();
  private stopping = false;

  constructor(
    private readonly fallback: ConnectionHandler,
    private readonly routes: readonly ProtocolRoute[] = [],
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
      this.refuse(stream, { kind: 'server-full', detail: admission.why });
      return;
    }
    stream.once('close', () => this.counter.release(info.remoteAddress));
    if (this.routes.length === 0) {
      this.fallback.handle(stream, info, Buffer.alloc(0));
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
            this.refuse(stream, { kind: 'idle', detail });
          }, idleTimeoutMs).unref()
        : undefined;
    const decide = (handler: ConnectionHandler): void => {
      clearTimeout(silence);
      this.undecided.delete(stream);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      stream.off('error', ignore);
      handler.handle(stream, info, head);
    };
    const onData = (chunk: Buffer): void => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      const route = chooseRoute(head, this.routes);
      if (route !== undefined) decide(route === 'fallback' ? this.fallback : route.handler);
    };
    // A peer that ends while still ambiguous ("REG") gets the fallback protocol's answer.
    const onEnd = (): void => decide(this.fallback);
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
