/** Room and client names: non-empty and within --max-name-bytes (error 10). */
import { ErrorCode, protocolError, type ProtocolError } from '../../protocol/errors.js';
import type { ServerContext } from '../context.js';

/** What is wrong with `name`, or undefined when it is fine. */
export function nameProblem(what: string, name: string, maxBytes: number): string | undefined {
  if (name === '') return `empty ${what}`;
  if (Buffer.byteLength(name) > maxBytes) return `${what} over ${maxBytes} bytes`;
  return undefined;
}

/**
 * A CLIENT_NAME given on CHAT or LEAVE: absent or empty means "the name I joined with";
 * one over the limit is error 10.
 */
export function clientNameError(
  ctx: ServerContext,
  clientName: string | undefined,
): ProtocolError | undefined {
  if (clientName === undefined || clientName === '') return undefined;
  const problem = nameProblem('CLIENT_NAME', clientName, ctx.options.limits.maxNameBytes);
  return problem === undefined ? undefined : protocolError(ErrorCode.InvalidName, problem);
}
