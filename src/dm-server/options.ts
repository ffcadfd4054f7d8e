/**
 * What a DirectServer is configured with. The byte limits are the chat-room side's (Part 3):
 * maxRequestBytes bounds a header block, maxMessageBytes a Content-length, maxNameBytes a
 * username, sendQueueBytes each connection's output. The rest is this protocol's own.
 */
import type { Logger } from 'pino';
import type { ConnectionLimits } from '../conn/connection.js';

/** The byte limits this protocol shares with the chat rooms, and every connection's own. */
export interface DirectLimits extends ConnectionLimits {
  readonly maxRequestBytes: number;
  readonly maxMessageBytes: number;
  readonly maxNameBytes: number;
}

export interface DirectOptions {
  readonly limits: DirectLimits;
  readonly logger: Logger;
  /**
   * How long a FORWARD waits for the recipient's RECEIVED before the sender gets ERROR 102.
   * A recipient that never acknowledges blocks nobody for longer than this.
   */
  readonly ackTimeoutMs: number;
  /**
   * Forwards one recipient may leave unacknowledged (timed-out ones included, until their
   * late ack or until room is needed); past it, a new delivery to it fails at once (102).
   */
  readonly maxUnackedPerRecipient: number;
  /** SENDs of one connection awaiting their reply; past it the server stops reading it. */
  readonly maxPendingPerSender: number;
}

export type DirectTuning = Omit<DirectOptions, 'limits' | 'logger'>;

export const defaultDirectTuning: DirectTuning = {
  ackTimeoutMs: 5000,
  maxUnackedPerRecipient: 256,
  maxPendingPerSender: 256,
};
