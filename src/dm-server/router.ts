/**
 * SEND: one recipient or ALL (C2). The FORWARD frame is encoded once and shared by every
 * recipient; each recipient's inbox settles its delivery by ack, refusal or timeout, and the
 * sender gets exactly one reply: `SEND <to>` when every recipient acknowledged, else ERROR 102.
 */
import type { Logger } from 'pino';
import { BROADCAST, Col334Code } from '../protocol/col334.js';
import { col334Reply } from '../protocol/col334-serialize.js';
import type { DirectUser, Registry, UserConnection } from './registry.js';

export interface SendRequest<C extends UserConnection> {
  readonly from: DirectUser<C>;
  readonly to: string;
  readonly body: Buffer;
  /** Fills the sender's reply slot for this SEND. */
  readonly reply: (bytes: Buffer) => void;
}

export function route<C extends UserConnection>(
  registry: Registry<C>,
  request: SendRequest<C>,
  log: Logger,
): void {
  const { from, to, body, reply } = request;
  const fail = (why: string): void => {
    log.debug({ from: from.name, to, why }, 'ERROR 102');
    reply(col334Reply.error(Col334Code.UnableToSend));
  };
  const recipients =
    to === BROADCAST ? registry.receivers(from) : [registry.get(to)].filter((u) => u !== undefined);
  const inboxes = recipients.flatMap((u) => (u.inbox === undefined ? [] : [u.inbox]));
  if (inboxes.length === 0) {
    fail(to === BROADCAST ? 'nobody else is registered' : 'no such recipient'); // C2, unknown user
    return;
  }
  const frame = col334Reply.forward(from.name, body);
  let left = inboxes.length;
  let failed = 0;
  const settle = (delivered: boolean): void => {
    if (!delivered) failed++;
    if (--left > 0) return;
    if (failed > 0) fail(`${failed} of ${inboxes.length} not acknowledged`);
    else {
      log.debug({ from: from.name, to, recipients: inboxes.length }, 'delivered');
      reply(col334Reply.delivered(to));
    }
  };
  for (const inbox of inboxes) inbox.deliver(frame, from.name, settle);
}
