import { ErrorCode, protocolError } from '../../protocol/errors.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';
import { acceptableClientName } from './names.js';
import { ownedRoom } from './ownership.js';

type Chat = Extract<TcdRequest, { type: 'chat' }>;

/** T1: the chat goes to every member, the sender included, through the bus (T13). */
export const chat: CommandHandler<Chat> = (ctx, session, req) => {
  const room = ownedRoom(ctx, session, req.roomRef, req.joinId);
  if (room === undefined || !acceptableClientName(ctx, session, req.clientName)) return;
  const entry = ctx.rooms.membership(room, session);
  if (entry === undefined || entry.state === 'leaving') {
    session.replyError(protocolError(ErrorCode.NotInRoom, `ROOM_REF ${room.ref}`));
    return;
  }
  // T8: CLIENT_NAME is a display handle; without one, the name given at JOIN is shown.
  const clientName = req.clientName || entry.clientName;
  ctx.bus.publish({ kind: 'chat', roomRef: room.ref, clientName, message: req.message });
};
