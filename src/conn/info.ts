/** What the connection layer knows of a connection, whatever protocol it speaks. */

/** Where the connection came from and which address of ours it reached (T9). */
export interface ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** What carries it, for metrics and logs: `tcp`, `tls`; absent: `tcp`. */
  readonly transport?: string;
}

/** Why the server cut a connection off on its own initiative. */
export type DropCause = 'slow-reader' | 'idle' | 'internal-error';

/** Why a connection is turned away before a protocol's server takes it. */
export type RefusalKind = 'server-full' | 'idle';

export interface Refusal {
  readonly kind: RefusalKind;
  /** What exactly was passed, for people: `at most 20000 connections`. */
  readonly detail: string;
}
