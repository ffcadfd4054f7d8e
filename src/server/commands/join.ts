import { ErrorCode, protocolError } from '../../protocol/errors.js';
import { joinedReply } from '../../protocol/tcd-serialize.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';
import { nameProblem } from './names.js';

type Join = Extract<TcdRequest, { type: 'join' }>;

export const join: CommandHandler<Join> = (ctx, session, req) => {
  const { limits } = ctx.options;
  const nameError =
    nameProblem('room name', req.room, limits.maxNameBytes) ??
    nameProblem('CLIENT_NAME', req.clientName, limits.maxNameBytes);
  if (nameError !== undefined) {
    session.replyError(protocolError(ErrorCode.InvalidName, nameError));
    return;
  }
  const found = ctx.rooms.find(req.room);
  const existing = found === undefined ? undefined : ctx.rooms.membership(found, session);
  if (existing === undefined && ctx.rooms.roomCountOf(session) >= limits.maxRoomsPerConnection) {
    session.replyError(
      protocolError(ErrorCode.TooManyRooms, `at most ${limits.maxRoomsPerConnection}`),
    );
    return;
  }
  // Rooms with members count; an emptied room is forgotten (T7), so the limit cannot be used up.
  if (found === undefined && ctx.rooms.roomCount >= limits.maxRooms) {
    session.replyError(protocolError(ErrorCode.RoomLimit, `at most ${limits.maxRooms}`));
    return;
  }
  if (session.joinId === undefined) {
    session.joinId = ctx.joinIds.next(); // T7: one JOIN_ID per connection, never reused
    ctx.sessionsByJoinId.set(session.joinId, session);
  }
  const joinId = session.joinId;
  const { entry, fresh } = ctx.rooms.join(req.room, session, req.clientName);
  const room = entry.room;
  // T2: JOINED_CHATROOM is queued before the join notice can be delivered.
  session.reply(joinedReply(room.name, ctx.roomEndpoint(session), room.ref, joinId));
  if (!fresh) return; // T5: idempotent
  ctx.bus.publish({ kind: 'join', roomRef: room.ref, joinId, clientName: req.clientName });
};
