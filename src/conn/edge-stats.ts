/**
 * What the acceptor counts of the connections it admits, for metrics read at scrape time:
 * connections open by protocol and transport, accepted, refused and cut, and bytes written
 * and still unsent. Bytes are read from the streams' own counters when asked (`bytesWritten`
 * and `writableLength` of a socket), so counting them costs nothing on the fan-out path.
 */
import type { Duplex } from 'node:stream';
import { Tally } from '../core/tally.js';
import type { AdmissionRefusal } from './admission.js';

/** Why the acceptor itself cut a connection off. */
export type EdgeCut = 'idle' | 'first-request-timeout';

/** `bytesWritten` is a socket's; other streams (the in-memory pair) may have one too. */
function bytesWritten(stream: Duplex): number {
  return (stream as Partial<{ bytesWritten: number }>).bytesWritten ?? 0;
}

/** What is kept of an open connection until it closes. */
class OpenEdge {
  /** Its protocol's name once known. */
  protocol = 'undecided';

  constructor(
    readonly transport: string,
    /** What it is counted under for the per-address limit (admission.ts). */
    readonly addressKey: string,
  ) {}
}

export class EdgeStats {
  /** Connections accepted (admitted), by transport. */
  readonly accepted = new Tally<string>();
  readonly refused = new Tally<AdmissionRefusal>();
  readonly cut = new Tally<EdgeCut>();
  private readonly open = new Map<string, { protocol: string; transport: string; n: number }>();
  /** Each open stream, and what is kept of it (the only per-connection state here). */
  private readonly live = new Map<Duplex, OpenEdge>();
  private readonly closedBytes = new Tally<string>();

  opened(stream: Duplex, transport: string, addressKey: string): void {
    this.accepted.add(transport);
    this.live.set(stream, new OpenEdge(transport, addressKey));
    this.move(undefined, 'undecided', transport);
  }

  /** The protocol of a connection became known. */
  decided(stream: Duplex, protocol: string): void {
    const edge = this.live.get(stream);
    if (edge === undefined) return;
    this.move(edge.protocol, protocol, edge.transport);
    edge.protocol = protocol;
  }

  /** A connection closed: its address key, to count it out (undefined if it was not open). */
  closed(stream: Duplex): string | undefined {
    const edge = this.live.get(stream);
    if (edge === undefined) return undefined;
    this.live.delete(stream);
    this.closedBytes.add(edge.transport, bytesWritten(stream));
    this.move(edge.protocol, undefined, edge.transport);
    return edge.addressKey;
  }

  /** Open connections by protocol (`undecided` until known) and transport. */
  *connections(): IterableIterator<{ protocol: string; transport: string; n: number }> {
    yield* this.open.values();
  }

  /** Bytes written to connections, closed and open, by transport. */
  bytesOut(): Map<string, number> {
    const total = new Map<string, number>(this.closedBytes.entries());
    for (const [stream, { transport }] of this.live) {
      total.set(transport, (total.get(transport) ?? 0) + bytesWritten(stream));
    }
    return total;
  }

  /** Bytes the open connections' streams hold unsent. */
  queuedBytes(): number {
    let n = 0;
    for (const stream of this.live.keys()) n += stream.writableLength;
    return n;
  }

  private move(from: string | undefined, to: string | undefined, transport: string): void {
    if (from !== undefined) this.bucket(from, transport).n--;
    if (to !== undefined) this.bucket(to, transport).n++;
  }

  private bucket(
    protocol: string,
    transport: string,
  ): { protocol: string; transport: string; n: number } {
    const key = `${protocol} ${transport}`;
    let b = this.open.get(key);
    if (b === undefined) {
      b = { protocol, transport, n: 0 };
      this.open.set(key, b);
    }
    return b;
  }
}
