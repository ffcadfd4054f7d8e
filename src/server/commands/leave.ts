import { leftReply } from '../../protocol/tcd-serialize.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';
import { acceptableClientName } from './names.js';
import { ownedRoom } from './ownership.js';

type Leave = Extract<TcdRequest, { type: 'leave' }>;

export const leave: CommandHandler<Leave> = (ctx, session, req) => {
  const room = ownedRoom(ctx, session, req.roomRef, req.joinId);
  if (room === undefined || !acceptableClientName(ctx, session, req.clientName)) return;
  // T3: LEFT_CHATROOM first; from here on no CHAT of this room reaches the leaver.
  session.reply(leftReply(room.ref, req.joinId));
  const entry = ctx.rooms.membership(room, session);
  if (entry === undefined || !ctx.rooms.beginLeave(entry)) return; // T4: repeated LEAVE
  session.pendingLeaves++;
  const clientName = req.clientName || entry.clientName;
  ctx.bus.publish({ kind: 'leave', roomRef: room.ref, joinId: req.joinId, clientName });
};
