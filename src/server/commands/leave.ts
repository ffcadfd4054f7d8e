import { leftReply } from '../../protocol/tcd-serialize.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';
import { acceptableClientName } from './names.js';
import { ownsJoinId, refIssued } from './ownership.js';

type Leave = Extract<TcdRequest, { type: 'leave' }>;

export const leave: CommandHandler<Leave> = (ctx, session, req) => {
  if (!refIssued(ctx, session, req.roomRef) || !ownsJoinId(ctx, session, req.joinId)) return;
  if (!acceptableClientName(ctx, session, req.clientName)) return;
  // T3: LEFT_CHATROOM first; from here on no CHAT of this room reaches the leaver.
  // T4: a room the client is not in (or one forgotten since it emptied, T7) gets it too.
  session.reply(leftReply(req.roomRef, req.joinId));
  const room = ctx.rooms.get(req.roomRef);
  const entry = room === undefined ? undefined : ctx.rooms.membership(room, session);
  if (entry === undefined || !ctx.rooms.beginLeave(entry)) return; // T4: repeated LEAVE
  session.pendingLeaves++;
  const clientName = req.clientName || entry.clientName;
  ctx.bus.publish({ kind: 'leave', roomRef: req.roomRef, joinId: req.joinId, clientName });
};
