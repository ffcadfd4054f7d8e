/** The shape of a conformance check, and how one fails. */
import type { CheckContext } from './context.js';

export const checkGroups = ['course', 'rules', 'framing', 'errors', 'kill'] as const;
export type CheckGroup = (typeof checkGroups)[number];

export interface Check {
  /** A rule number (`T3`) or the group's name for checks that span rules (`course`). */
  readonly id: string;
  readonly title: string;
  readonly group: CheckGroup;
  run(ctx: CheckContext): Promise<void>;
}

export interface CheckSettings {
  /** The server's address; with `url`, the host and port of that URL (T9's Port). */
  readonly host: string;
  readonly port: number;
  /** A `ws://` URL: every connection goes through the server's WebSocket gateway. */
  readonly url?: string;
  /** Longest wait for any one reply, connection or close. */
  readonly timeoutMs: number;
  /** How long "nothing more arrives" is watched for. */
  readonly quietMs: number;
  /** Appended to every room name, so runs against one server never meet. */
  readonly suffix: string;
}

/** A check's verdict: the message is the `expected ..., got ...` text shown after FAIL. */
export class CheckFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckFailure';
  }
}

export function fail(message: string): never {
  throw new CheckFailure(message);
}
