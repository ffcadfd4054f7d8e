/** Room and client names: non-empty and within --max-name-bytes (error 10). */
import { ErrorCode, protocolError } from '../../protocol/errors.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';

/** What is wrong with `name`, or undefined when it is fine. */
export function nameProblem(what: string, name: string, maxBytes: number): string | undefined {
  if (name === '') return `empty ${what}`;
  if (Buffer.byteLength(name) > maxBytes) return `${what} over ${maxBytes} bytes`;
  return undefined;
}

/**
 * A CLIENT_NAME given on CHAT or LEAVE: absent or empty means "the name I joined with";
 * one over the limit is refused with error 10 (false returned).
 */
export function acceptableClientName(
  ctx: ServerContext,
  session: Session,
  clientName: string | undefined,
): boolean {
  if (clientName === undefined || clientName === '') return true;
  const problem = nameProblem('CLIENT_NAME', clientName, ctx.options.limits.maxNameBytes);
  if (problem === undefined) return true;
  session.replyError(protocolError(ErrorCode.InvalidName, problem));
  return false;
}
