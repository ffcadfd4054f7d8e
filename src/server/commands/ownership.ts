/**
 * The checks CHAT and LEAVE share: the room was issued (code 2) and the JOIN_ID is this
 * connection's own (T8: code 3 if never issued, code 4 if another connection's).
 */
import { ErrorCode, protocolError } from '../../protocol/errors.js';
import { showId } from '../../protocol/tcd-fields.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';

/** False, with error 2 sent, when no room ever had `roomRef`. */
export function refIssued(ctx: ServerContext, session: Session, roomRef: number): boolean {
  if (ctx.rooms.wasIssued(roomRef)) return true;
  session.replyError(protocolError(ErrorCode.NoSuchRoom, `ROOM_REF ${showId(roomRef)}`));
  return false;
}

/** False, with error 3 or 4 sent, when `joinId` is not this connection's (T8). */
export function ownsJoinId(ctx: ServerContext, session: Session, joinId: number): boolean {
  if (joinId === session.joinId) return true;
  const code = ctx.joinIds.wasIssued(joinId) ? ErrorCode.NotYourJoinId : ErrorCode.UnknownUser;
  session.replyError(protocolError(code, `JOIN_ID ${showId(joinId)}`));
  return false;
}
