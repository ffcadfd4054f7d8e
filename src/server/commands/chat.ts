import { ErrorCode, protocolError } from '../../protocol/errors.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';
import { acceptableClientName } from './names.js';
import { showId } from '../../protocol/tcd-fields.js';
import { ownsJoinId } from './ownership.js';

type Chat = Extract<TcdRequest, { type: 'chat' }>;

/** T1: the chat goes to every member, the sender included, through the bus (T13). */
export const chat: CommandHandler<Chat> = (ctx, session, req) => {
  const room = ctx.rooms.get(req.roomRef);
  if (room === undefined) {
    // Never issued, or forgotten since it emptied (T7): either way no room has that ref now.
    session.replyError(protocolError(ErrorCode.NoSuchRoom, `ROOM_REF ${showId(req.roomRef)}`));
    return;
  }
  if (!ownsJoinId(ctx, session, req.joinId)) return;
  if (!acceptableClientName(ctx, session, req.clientName)) return;
  const entry = ctx.rooms.membership(room, session);
  if (entry === undefined || entry.state === 'leaving') {
    session.replyError(protocolError(ErrorCode.NotInRoom, `ROOM_REF ${req.roomRef}`));
    return;
  }
  // T8: CLIENT_NAME is a display handle; without one, the name given at JOIN is shown.
  const clientName = req.clientName || entry.clientName;
  ctx.bus.publish({ kind: 'chat', roomRef: req.roomRef, clientName, message: req.message });
};
