import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';

type Disconnect = Extract<TcdRequest, { type: 'disconnect' }>;

/** T6: leave notices for every room, ascending ROOM_REF, then the connection closes; no reply. */
export const disconnect: CommandHandler<Disconnect> = (ctx, session, req) => {
  session.state = 'closing';
  ctx.leaveAll(session, req.clientName || undefined);
  if (session.pendingLeaves === 0) session.finish('DISCONNECT');
};
