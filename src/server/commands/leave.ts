import {
  andThen,
  BusUnavailable,
  isPromise,
  LeaveNotAnswered,
  type Awaitable,
  type LeaveReply,
} from '../../bus/bus.js';
import { ErrorCode, protocolError, type ProtocolError } from '../../protocol/errors.js';
import { leftReply } from '../../protocol/tcd-serialize.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler, ServerContext } from '../context.js';
import { unavailable, type Session } from '../session.js';
import { clientNameError } from './names.js';
import { firstError, noSuchRoom, ownershipError } from './ownership.js';

type Leave = Extract<TcdRequest, { type: 'leave' }>;

/** Error 16 for a JOIN or LEAVE of a room whose LEAVE (answered with 16) is being seen through. */
export function leaveNotDone(ref: number): ProtocolError {
  return protocolError(
    ErrorCode.Unavailable,
    `ROOM_REF ${ref}: the last LEAVE is not done yet; try again`,
  );
}

/**
 * LEAVE. LEFT_CHATROOM is written when the leave event reaches this node, right before the
 * leave notice that still includes the leaver, after which nothing of the room reaches it
 * (T3); so the LEAVE waits for the replies owed by earlier requests, and the next request for
 * the leave event.
 */
export const leave: CommandHandler<Leave> = (ctx, session, req) => {
  const earlier = session.repliesSent();
  const done =
    earlier === undefined
      ? leaveNow(ctx, session, req)
      : earlier.then(() => leaveNow(ctx, session, req));
  if (!isPromise(done)) return;
  return done.catch((err: unknown) => {
    // The store did not answer a check (is the ref or JOIN_ID known?): nothing was begun.
    if (!(err instanceof BusUnavailable)) throw err;
    session.replyError(unavailable(err));
  });
};

function leaveNow(ctx: ServerContext, session: Session, req: Leave): Awaitable<void> {
  const entry =
    req.joinId === session.joinId ? ctx.rooms.membershipIn(req.roomRef, session) : undefined;
  const problem = firstError(
    () =>
      entry !== undefined || ctx.rooms.get(req.roomRef) !== undefined
        ? undefined
        : andThen(ctx.directory.refStatus(req.roomRef), (status) =>
            status === 'never' ? noSuchRoom(req.roomRef) : undefined,
          ),
    () => ownershipError(ctx, session, req.joinId),
    () => clientNameError(ctx, req.clientName),
  );
  return andThen(problem, (error): Awaitable<void> => {
    if (error !== undefined) {
      session.replyError(error);
      return;
    }
    if (entry?.state === 'leaving') {
      // Its last LEAVE got error 16 and is being seen through (ChatServer.completeLeave): the
      // connection is still in the room until the store has it out, so LEFT would be untrue.
      session.replyError(leaveNotDone(req.roomRef));
      return;
    }
    if (entry === undefined || !ctx.rooms.beginLeave(entry)) {
      // T4: not in the room (or in one forgotten since it emptied, T7): LEFT, no notice.
      session.reply(leftReply(req.roomRef, req.joinId));
      return;
    }
    session.expectLeave(req.roomRef, true);
    const clientName = req.clientName || entry.clientName;
    const answered = (reply: LeaveReply): Awaitable<void> => {
      if (reply.kind === 'not-member') {
        // The service no longer had it in the room (its node was taken for dead): settle here.
        ctx.dropMembership(entry);
        session.reply(leftReply(req.roomRef, req.joinId));
        return;
      }
      return session.leaveWait(req.roomRef); // undefined when the event came with the reply
    };
    const sent = ctx.bus.leave(req.roomRef, req.joinId, clientName, entry.attempt);
    if (!isPromise(sent)) return answered(sent);
    return sent.then(answered, (err: unknown) => {
      if (!(err instanceof BusUnavailable)) throw err;
      // Its event came before the answer was given up on: LEFT was sent, the LEAVE is done.
      if (!session.expectsLeave(req.roomRef)) return;
      session.replyError(unavailable(err));
      if (err instanceof LeaveNotAnswered) {
        ctx.completeLeave(entry, err.outcome);
      } else {
        // Refused outright: it did not happen, so the connection is still a member.
        session.leaveSettled(req.roomRef);
        ctx.rooms.cancelLeave(entry);
      }
    });
  });
}
