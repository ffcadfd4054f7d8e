/**
 * What a COL334 server sent, as a client sees it: frames from Col334Framer classified into
 * replies. Used by the `dm` client and by tests; never throws on peer input.
 */
import { splitCommand, type Role } from './col334.js';
import type { Col334Frame } from './col334-framer.js';

export type Col334Reply =
  | { readonly type: 'registered'; readonly role: Role; readonly name: string }
  /** `SEND <user|ALL>` (or `SENT`, C4): the message was delivered. */
  | { readonly type: 'delivered'; readonly to: string }
  | { readonly type: 'forward'; readonly from: string; readonly body: Buffer }
  /** A FORWARD the client cannot read: it answers `ERROR 103 Header Incomplete` (C3). */
  | { readonly type: 'bad-forward'; readonly detail: string }
  | { readonly type: 'error'; readonly code: number; readonly text: string }
  | { readonly type: 'other'; readonly line: string };

export function classifyReply(frame: Col334Frame): Col334Reply {
  const first = frame.lines[0] ?? '';
  const { word, args } = splitCommand(first);
  if (word === 'FORWARD') {
    if (frame.kind !== 'message') return { type: 'bad-forward', detail: badFrame(frame) };
    if (frame.body === undefined) return { type: 'bad-forward', detail: 'no Content-length' };
    return { type: 'forward', from: args.join(' '), body: frame.body };
  }
  if (frame.kind === 'broken') return { type: 'other', line: first };
  switch (word) {
    case 'REGISTERED': {
      const role = args[0];
      if (role !== 'TOSEND' && role !== 'TORECV') break;
      return { type: 'registered', role, name: args.slice(1).join(' ') };
    }
    case 'SEND':
    case 'SENT':
      return { type: 'delivered', to: args.join(' ') };
    case 'ERROR': {
      const code = Number(args[0]);
      if (!Number.isInteger(code)) break;
      return { type: 'error', code, text: args.slice(1).join(' ') };
    }
  }
  return { type: 'other', line: first };
}

function badFrame(frame: Col334Frame): string {
  return frame.kind === 'broken' ? frame.reason : `Content-length over the limit`;
}
