/**
 * Connection admission: how many connections in all, and from one remote address (PROTOCOL.md
 * Part 3). Counted at accept time, before the protocol is known, so a flood of silent
 * connections is bounded too.
 */
import { unmapIPv4 } from '../protocol/address.js';

export interface AdmissionLimits {
  /** 0: no limit. */
  readonly maxConnections: number;
  /** 0: no limit. */
  readonly maxConnectionsPerAddress: number;
  /** How long a connection may stay silent before its first byte; 0: no limit. */
  readonly idleTimeoutMs: number;
}

export type Admission =
  { readonly admitted: true } | { readonly admitted: false; readonly why: string };

export class ConnectionCounter {
  private count = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: AdmissionLimits) {}

  /** Connections admitted and not yet released. */
  get total(): number {
    return this.count;
  }

  /** Counts the connection in if the limits allow; `release` must follow for each one admitted. */
  admit(remoteAddress: string): Admission {
    const address = unmapIPv4(remoteAddress);
    const { maxConnections, maxConnectionsPerAddress } = this.limits;
    if (maxConnections > 0 && this.count >= maxConnections) {
      return { admitted: false, why: `at most ${maxConnections} connections` };
    }
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (maxConnectionsPerAddress > 0 && fromAddress >= maxConnectionsPerAddress) {
      return {
        admitted: false,
        why: `at most ${maxConnectionsPerAddress} connections per address`,
      };
    }
    this.count++;
    this.byAddress.set(address, fromAddress + 1);
    return { admitted: true };
  }

  release(remoteAddress: string): void {
    const address = unmapIPv4(remoteAddress);
    const n = (this.byAddress.get(address) ?? 0) - 1;
    if (n > 0) this.byAddress.set(address, n);
    else this.byAddress.delete(address);
    this.count = Math.max(0, this.count - 1);
  }
}
