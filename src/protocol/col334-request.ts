/**
 * What a COL334 client sent, as the server sees it: frames from Col334Framer classified into
 * requests, or the grammar's error for them as a value (never thrown). Whether a request is
 * allowed on a connection (registered or not, send or receive side) is the server's business.
 */
import { Col334Code, isUsername, splitCommand, type Role } from './col334.js';
import type { Col334Frame } from './col334-framer.js';

export type Col334Request =
  | { readonly type: 'register'; readonly role: Role; readonly name: string }
  | { readonly type: 'send'; readonly to: string; readonly body: Buffer }
  /** RECEIVED <sender>, or SENT <sender> (C4). */
  | { readonly type: 'ack'; readonly sender: string | undefined }
  /** The recipient answered ERROR (C3: `ERROR 103 Header Incomplete`) instead of RECEIVED. */
  | { readonly type: 'refused'; readonly line: string }
  /** Any other command line. */
  | { readonly type: 'other'; readonly line: string }
  | Col334Failure;

/** A request that gets an error reply; `fatal` when the connection must close after it (103). */
export interface Col334Failure {
  readonly type: 'failure';
  readonly code: Col334Code;
  readonly fatal: boolean;
  readonly detail: string;
}

function failure(code: Col334Code, detail: string): Col334Failure {
  return { type: 'failure', code, fatal: code === Col334Code.HeaderIncomplete, detail };
}

export function classifyRequest(frame: Col334Frame, maxNameBytes: number): Col334Request {
  if (frame.kind === 'broken') return failure(Col334Code.HeaderIncomplete, frame.reason);
  const first = frame.lines[0] ?? '';
  const { word, args } = splitCommand(first);
  switch (word) {
    case 'REGISTER':
      return register(args, first, maxNameBytes);
    case 'SEND':
      if (args.length === 0) return failure(Col334Code.HeaderIncomplete, 'SEND without recipient');
      if (frame.kind === 'too-large') {
        // The body was skipped by its length, so the connection is still in step: not fatal.
        return failure(Col334Code.UnableToSend, `Content-length ${frame.length} over the limit`);
      }
      if (frame.body === undefined) {
        return failure(Col334Code.HeaderIncomplete, 'SEND without Content-length');
      }
      // A recipient with spaces can name nobody; it is an unknown recipient (102), not a 103.
      return { type: 'send', to: args.join(' '), body: frame.body };
    case 'RECEIVED':
    case 'SENT':
      return { type: 'ack', sender: args[0] };
    case 'ERROR':
      return { type: 'refused', line: first };
    default:
      return { type: 'other', line: first };
  }
}

function register(args: string[], line: string, maxNameBytes: number): Col334Request {
  const role = args[0];
  if (role !== 'TOSEND' && role !== 'TORECV') return { type: 'other', line };
  const name = args.slice(1).join(' ');
  if (args.length !== 2 || !isUsername(name, maxNameBytes)) {
    return failure(Col334Code.MalformedUsername, `bad username '${preview(name)}'`);
  }
  return { type: 'register', role, name };
}

export function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
