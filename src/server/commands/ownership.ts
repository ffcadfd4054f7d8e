/**
 * The checks CHAT and LEAVE share: the room exists (code 2) and the JOIN_ID is this
 * connection's own (T8: code 3 if never issued, code 4 if another connection's).
 */
import type { Room } from '../../core/rooms.js';
import { ErrorCode, protocolError } from '../../protocol/errors.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';

export function ownedRoom(
  ctx: ServerContext,
  session: Session,
  roomRef: number,
  joinId: number,
): Room<Session> | undefined {
  const room = ctx.rooms.get(roomRef);
  if (room === undefined) {
    session.replyError(protocolError(ErrorCode.NoSuchRoom, `ROOM_REF ${roomRef}`));
    return undefined;
  }
  if (joinId !== session.joinId) {
    const code = ctx.joinIds.wasIssued(joinId) ? ErrorCode.NotYourJoinId : ErrorCode.UnknownUser;
    session.replyError(protocolError(code, `JOIN_ID ${joinId}`));
    return undefined;
  }
  return room;
}
