/**
 * The checks CHAT and LEAVE share, as errors to send (or undefined when all is well). In a
 * cluster the answer may have to come from the store, so they are Awaitable: in-process they
 * answer at once.
 */
import { andThen, type Awaitable } from '../../bus/bus.js';
import { ErrorCode, protocolError, type ProtocolError } from '../../protocol/errors.js';
import { showId } from '../../protocol/tcd-fields.js';
import type { ServerContext } from '../context.js';
import type { Session } from '../session.js';

/** T8: the JOIN_ID must be this connection's own: code 3 if never issued, 4 if another's. */
export function ownershipError(
  ctx: ServerContext,
  session: Session,
  joinId: number,
): Awaitable<ProtocolError | undefined> {
  if (joinId === session.joinId) return undefined;
  return andThen(ctx.directory.joinIdIssued(joinId), (issued) =>
    protocolError(
      issued ? ErrorCode.NotYourJoinId : ErrorCode.UnknownUser,
      `JOIN_ID ${showId(joinId)}`,
    ),
  );
}

export function noSuchRoom(roomRef: number): ProtocolError {
  return protocolError(ErrorCode.NoSuchRoom, `ROOM_REF ${showId(roomRef)}`);
}

/** The first error of `checks` that finds one, each run only if those before found none. */
export function firstError(
  ...checks: (() => Awaitable<ProtocolError | undefined>)[]
): Awaitable<ProtocolError | undefined> {
  const [first, ...rest] = checks;
  if (first === undefined) return undefined;
  return andThen(first(), (error) => error ?? firstError(...rest));
}
