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
  if (ctx.rooms.find(req.room) === undefined && ctx.rooms.roomCount >= limits.maxRooms) {
    session.replyError(protocolError(ErrorCode.RoomLimit, `at most ${limits.maxRooms}`));
    return;
  }
  const room = ctx.rooms.getOrCreate(req.room);
  const existing = ctx.rooms.membership(room, session);
  if (existing === undefined && ctx.rooms.roomCountOf(session) >= limits.maxRoomsPerConnection) {
    session.replyError(
      protocolError(ErrorCode.TooManyRooms, `at most ${limits.maxRoomsPerConnection}`),
    );
    return;
  }
  if (session.joinId === undefined) {
    session.joinId = ctx.joinIds.next(); // T7: one JOIN_ID per connection, never reused
    ctx.sessionsByJoinId.set(session.joinId, session);
  }
  const joinId = session.joinId;
  // T2: JOINED_CHATROOM is queued before the join notice can be delivered.
  session.reply(joinedReply(room.name, ctx.roomEndpoint(session), room.ref, joinId));
  if (!ctx.rooms.join(room, session, req.clientName).fresh) return; // T5: idempotent
  ctx.bus.publish({ kind: 'join', roomRef: room.ref, joinId, clientName: req.clientName });
};
