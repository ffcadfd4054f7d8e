/** The command table: one handler per request type. */
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';
import { chat } from './chat.js';
import { disconnect } from './disconnect.js';
import { helo } from './helo.js';
import { join } from './join.js';
import { kill } from './kill.js';
import { leave } from './leave.js';

export function runCommand(ctx: ServerContext, session: Session, request: TcdRequest): void {
  switch (request.type) {
    case 'helo':
      return helo(ctx, session, request);
    case 'join':
      return join(ctx, session, request);
    case 'chat':
      return chat(ctx, session, request);
    case 'leave':
      return leave(ctx, session, request);
    case 'disconnect':
      return disconnect(ctx, session, request);
    case 'kill':
      return kill(ctx, session, request);
  }
}
