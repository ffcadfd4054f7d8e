import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';
import { nameProblem } from './names.js';

type Disconnect = Extract<TcdRequest, { type: 'disconnect' }>;

/** T6: leave notices for every room, ascending ROOM_REF, then the connection closes; no reply. */
export const disconnect: CommandHandler<Disconnect> = (ctx, session, req) => {
  const go = (): void => {
    session.state = 'closing';
    // DISCONNECT has no reply to carry an error: a name that is empty or over the limit is
    // passed over, and each notice shows the name that room was joined with.
    const name = req.clientName ?? '';
    const usable = nameProblem('CLIENT_NAME', name, ctx.options.limits.maxNameBytes) === undefined;
    ctx.leaveAll(session, usable ? name : undefined);
    if (session.pendingLeaves === 0) session.finish('DISCONNECT');
  };
  // Replies owed by earlier requests go first; the notices follow them.
  const earlier = session.repliesSent();
  if (earlier === undefined) go();
  else return earlier.then(go);
};
