/**
 * The command table: one handler per request type. The table's type has a key for every
 * request type, so a request type without a handler does not compile.
 */
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler, ServerContext } from '../context.js';
import type { Session } from '../session.js';
import { chat } from './chat.js';
import { disconnect } from './disconnect.js';
import { helo } from './helo.js';
import { join } from './join.js';
import { kill } from './kill.js';
import { leave } from './leave.js';

type RequestType = TcdRequest['type'];
type CommandTable = {
  readonly [T in RequestType]: CommandHandler<Extract<TcdRequest, { type: T }>>;
};

const commands: CommandTable = { helo, join, chat, leave, disconnect, kill };

export function runCommand(
  ctx: ServerContext,
  session: Session,
  request: TcdRequest,
): void | Promise<void> {
  // The table pairs each type with its handler; TypeScript cannot follow the pairing through
  // the union, so the lookup is typed by the request it is given.
  const handler = commands[request.type] as CommandHandler<TcdRequest>;
  return handler(ctx, session, request);
}
