/**
 * Connection admission: how many connections in all, and from one remote address (PROTOCOL.md
 * Part 3). Counted at accept time, before the protocol is known (and, over TLS, before the
 * handshake), so a flood of silent connections is bounded too.
 *
 * Open-network defaults: one address may hold only so many connections, and a connection the
 * server has not answered soon after it opened is closed. Loopback peers are exempt unless
 * configured otherwise, so a lab on one machine (and the benchmark's 10 000 local clients)
 * works as before; docs/operations.md gives the reasoning.
 */
import { isLoopback } from '../protocol/address.js';
import { addressGroup } from './address-group.js';

export interface AdmissionLimits {
  /** 0: no limit. */
  readonly maxConnections: number;
  /** Per IPv4 address or IPv6 /64; 0: no limit. */
  readonly maxConnectionsPerAddress: number;
  /** How long a connection may stay silent before its first byte; 0: no limit. */
  readonly idleTimeoutMs: number;
  /** How long a connection may go unanswered after it opened; 0: no limit. */
  readonly firstRequestTimeoutMs: number;
  /** Loopback peers are spared the per-address limit and the first-request timeout. */
  readonly exemptLoopback: boolean;
}

/** What `roomcast serve` uses unless told otherwise. */
export const defaultAdmission: AdmissionLimits = {
  maxConnections: 20_000,
  maxConnectionsPerAddress: 64,
  idleTimeoutMs: 0,
  firstRequestTimeoutMs: 10_000,
  exemptLoopback: true,
};

/** Why a connection was turned away at the door. */
export type AdmissionRefusal = 'server-full' | 'address-full';

export type Admission =
  | { readonly admitted: true; readonly key: string; readonly exempt: boolean }
  | { readonly admitted: false; readonly cause: AdmissionRefusal; readonly why: string };

export class ConnectionCounter {
  private count = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Connections admitted and not yet released. */
  get total(): number {
    return this.count;
  }

  /** True if `remoteAddress` is spared the per-address rules (loopback, unless configured). */
  exempt(remoteAddress: string): boolean {
    return this.limits.exemptLoopback && isLoopback(remoteAddress);
  }

  /**
   * Counts the connection in if the limits allow; `release(key)` must follow for each one
   * admitted.
   */
  admit(remoteAddress: string): Admission {
    const { maxConnections, maxConnectionsPerAddress } = this.limits;
    if (maxConnections > 0 && this.count >= maxConnections) {
      return {
        admitted: false,
        cause: 'server-full',
        why: `at most ${maxConnections} connections`,
      };
    }
    const key = addressGroup(remoteAddress);
    const exempt = this.exempt(remoteAddress);
    const fromAddress = this.byAddress.get(key) ?? 0;
    if (!exempt && maxConnectionsPerAddress > 0 && fromAddress >= maxConnectionsPerAddress) {
      return {
        admitted: false,
        cause: 'address-full',
        why: `at most ${maxConnectionsPerAddress} connections per address`,
      };
    }
    this.count++;
    this.byAddress.set(key, fromAddress + 1);
    return { admitted: true, key, exempt };
  }

  release(key: string): void {
    const n = (this.byAddress.get(key) ?? 0) - 1;
    if (n > 0) this.byAddress.set(key, n);
    else this.byAddress.delete(key);
    this.count = Math.max(0, this.count - 1);
  }
}
