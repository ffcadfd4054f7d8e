/**
 * COL334 messages byte for byte (PROTOCOL.md Part 2), both directions. Every message ends with
 * a blank line; SEND and FORWARD carry a byte Content-length (C1) and then the body.
 */
import { Col334Code, col334ErrorText, type Role } from './col334.js';

/** Server to client. */
export const col334Reply = {
  registered: (role: Role, name: string): Buffer => Buffer.from(`REGISTERED ${role} ${name}\n\n`),
  error: (code: Col334Code): Buffer => Buffer.from(`ERROR ${code} ${col334ErrorText[code]}\n\n`),
  /** C4: the ack word the seed 004 client accepts is SEND. */
  delivered: (to: string): Buffer => Buffer.from(`SEND ${to}\n\n`),
  /** Encoded once and shared by every recipient of an ALL (C2). */
  forward: (from: string, body: Buffer): Buffer => withBody(`FORWARD ${from}`, body),
} as const;

/** Client to server. */
export const col334Request = {
  register: (role: Role, name: string): Buffer => Buffer.from(`REGISTER ${role} ${name}\n\n`),
  send: (to: string, body: Buffer | string): Buffer =>
    withBody(`SEND ${to}`, typeof body === 'string' ? Buffer.from(body) : body),
  received: (sender: string): Buffer => Buffer.from(`RECEIVED ${sender}\n\n`),
  /** C3: a recipient's answer to a FORWARD it cannot read, in the server's own words (C4). */
  headerIncomplete: (): Buffer => col334Reply.error(Col334Code.HeaderIncomplete),
} as const;

function withBody(firstLine: string, body: Buffer): Buffer {
  const head = Buffer.from(`${firstLine}\nContent-length: ${body.length}\n\n`);
  return Buffer.concat([head, body], head.length + body.length);
}
