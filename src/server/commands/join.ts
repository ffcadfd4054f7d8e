import {
  andThen,
  BusUnavailable,
  isPromise,
  JoinNotAnswered,
  type Awaitable,
} from '../../bus/bus.js';
import { ErrorCode, protocolError, type ProtocolError } from '../../protocol/errors.js';
import { chatFrame, joinedReply, joinNotice } from '../../protocol/tcd-serialize.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler, ServerContext } from '../context.js';
import { unavailable, type Session } from '../session.js';
import { leaveNotDone } from './leave.js';
import { nameProblem } from './names.js';

type Join = Extract<TcdRequest, { type: 'join' }>;

/**
 * JOIN. JOINED_CHATROOM is written when the join event reaches this node, right before the
 * join notice (T2), so the JOIN first waits for the replies still owed by earlier requests,
 * and the next request waits until the join event was delivered.
 */
export const join: CommandHandler<Join> = (ctx, session, req) => {
  const { limits } = ctx.options;
  const nameError =
    nameProblem('room name', req.room, limits.maxNameBytes) ??
    nameProblem('CLIENT_NAME', req.clientName, limits.maxNameBytes);
  if (nameError !== undefined) {
    session.replyError(protocolError(ErrorCode.InvalidName, nameError));
    return;
  }
  const earlier = session.repliesSent();
  const done =
    earlier === undefined
      ? joinNow(ctx, session, req)
      : earlier.then(() => joinNow(ctx, session, req));
  if (!isPromise(done)) return;
  return done.catch((err: unknown) => {
    if (!(err instanceof BusUnavailable)) throw err;
    const found = ctx.rooms.find(req.room);
    if (found !== undefined && ctx.rooms.membership(found, session) !== undefined) {
      // Its event came before the answer was given up on: JOINED was sent, the JOIN is done,
      // and the event took the room's watch (its leave will unwatch).
      return;
    }
    // Error 16 says it was not done, so it must not be: undone should the store carry it out
    // late. The undo goes out first, so that a JOIN sent after the error comes after it.
    if (err instanceof JoinNotAnswered) err.undo();
    session.joinSettled();
    session.replyError(unavailable(err));
  });
};

function joinNow(ctx: ServerContext, session: Session, req: Join): Awaitable<void> {
  const { limits } = ctx.options;
  // A connection that closed while this JOIN waited has left the service already (its
  // leaves were published at the close): joining now would leave a member nobody removes.
  if (session.state === 'closed') return;
  const found = ctx.rooms.find(req.room);
  const existing = found === undefined ? undefined : ctx.rooms.membership(found, session);
  if (existing?.state === 'leaving') {
    // Its LEAVE got error 16 and is being seen through (ChatServer.completeLeave): once the
    // store has it out, a JOIN makes it a member again.
    session.replyError(leaveNotDone(existing.room.ref));
    return;
  }
  if (found !== undefined && existing !== undefined && session.joinId !== undefined) {
    // T5: idempotent: the same ROOM_REF and JOIN_ID again, nothing published.
    session.reply(joinedReply(found.name, ctx.roomEndpoint(session), found.ref, session.joinId));
    return;
  }
  if (ctx.rooms.roomCountOf(session) >= limits.maxRoomsPerConnection) {
    session.replyError(
      protocolError(ErrorCode.TooManyRooms, `at most ${limits.maxRoomsPerConnection}`),
    );
    return;
  }
  // T7: one JOIN_ID per connection, issued at its first JOIN, never reused.
  return andThen(session.joinId ?? ctx.directory.issueJoinId(), (joinId) => {
    // Closed while its JOIN_ID was on the way: it already left everything it was in (T6),
    // so it must not join anything now (it would stay in the room, a member nobody is).
    // The id stays issued and unused (T7).
    if (session.state === 'closed') return;
    if (session.joinId === undefined) {
      session.joinId = joinId;
      ctx.sessionsByJoinId.set(joinId, session);
    }
    const underWay = session.expectJoin(req.room);
    const { attempt } = underWay;
    return andThen(
      ctx.bus.join(req.room, joinId, req.clientName, limits.maxRooms, attempt),
      (reply): Awaitable<void> => {
        // Closed meanwhile: its leaves, published at the close, come after this join in the
        // room's order and take it out again; this node has nobody to deliver the room to.
        if (session.joinAbandoned) return;
        switch (reply.kind) {
          case 'room-limit':
            session.joinSettled();
            session.replyError(protocolError(ErrorCode.RoomLimit, `at most ${limits.maxRooms}`));
            return;
          case 'already': {
            // The service has this connection in the room though this node did not know (a
            // JOIN given up on went through, and its undo has not yet): it is in by this JOIN,
            // told so as any joiner (T2), from the event after the answer on; the others were
            // told when that JOIN was (its event, should it come here later, is not shown to
            // it again).
            session.joinSettled();
            ctx.bus.watch(reply.ref, reply.seq + 1, reply.seq);
            const takeIn = (): void => {
              ctx.rooms.joinDelivered(reply.ref, req.room, session, req.clientName, attempt);
              session.reply(joinedReply(req.room, ctx.roomEndpoint(session), reply.ref, joinId));
              session.send(chatFrame(reply.ref, req.clientName, joinNotice(req.clientName)));
            };
            const next = ctx.bus.nextSeq?.(reply.ref);
            if (next === undefined || next === reply.seq + 1) {
              takeIn();
              return;
            }
            if (next > reply.seq + 1) {
              // The node follows the room already and has handed it on past the answer: the
              // member would miss those events. Error 17, and closed: it rejoins (the close
              // takes it out of the room).
              ctx.bus.unwatch(reply.ref);
              session.log.warn(
                { ref: reply.ref, seq: reply.seq, next },
                "JOIN answered 'already' after this node handed the room on past the answer",
              );
              session.replyError(orderNotKept(reply.ref));
              session.finish('room order lost');
              return;
            }
            // The node has not yet handed the room on up to the answer: in once it has, right
            // before the next event; the connection's next request waits until then.
            return new Promise<void>((resolve) => {
              ctx.afterEvent(
                reply.ref,
                reply.seq,
                () => {
                  if (session.state === 'open') takeIn();
                  else ctx.bus.unwatch(reply.ref); // closed meanwhile: it left with the close
                  resolve();
                },
                (why) => {
                  // The room's order was lost here (its feed ended with it): the member too
                  // must rejoin. (Or the server stopped, and the connection is closed.)
                  const detail = why === undefined ? undefined : `ROOM_REF ${reply.ref}: ${why}`;
                  session.replyError(orderNotKept(reply.ref, detail));
                  session.finish('room order lost');
                  resolve();
                },
              );
            });
          }
          case 'joined':
            // Its event came first (through a feed this node had already) and took the
            // watch: its leave, which may have come since, unwatches.
            if (underWay.watchedByEvent) return;
            session.joinAnswered(reply.ref);
            ctx.bus.watch(reply.ref, reply.seq);
            return session.joinWait(); // undefined when the event came with the reply
        }
      },
    );
  });
}

/** Error 17 for a JOIN whose member could not be given the room's events from its place on. */
function orderNotKept(ref: number, detail?: string): ProtocolError {
  return protocolError(
    ErrorCode.OrderLost,
    detail ??
      `ROOM_REF ${ref}: this node could not give the room's events from the JOIN on; join again`,
  );
}
