import { andThen, isPromise } from '../../bus/bus.js';
import { ErrorCode, protocolError } from '../../protocol/errors.js';
import type { TcdRequest } from '../../protocol/tcd-request.js';
import type { CommandHandler } from '../context.js';
import { clientNameError } from './names.js';
import { firstError, noSuchRoom, ownershipError } from './ownership.js';

type Chat = Extract<TcdRequest, { type: 'chat' }>;

/**
 * T1: the chat goes to every member, the sender included, through the bus (T13). It does not
 * hold the next request: a sender's chats are appended to the room in the order sent, and a
 * failure to append one comes back in its place among the replies.
 */
export const chat: CommandHandler<Chat> = (ctx, session, req) => {
  const entry =
    req.joinId === session.joinId ? ctx.rooms.membershipIn(req.roomRef, session) : undefined;
  const nameError = clientNameError(ctx, req.clientName);
  // A member leaving is out as far as its chats go (a LEAVE answered with error 16 is still
  // being seen through; every other LEAVE holds the requests after it until it is done).
  if (entry?.state === 'member' && nameError === undefined) {
    // T8: CLIENT_NAME is a display handle; without one, the name given at JOIN is shown.
    const clientName = req.clientName || entry.clientName;
    const sent = ctx.bus.chat(req.roomRef, clientName, req.message);
    if (isPromise(sent)) session.replyWhen(sent.then(() => undefined));
    return;
  }
  // Something is wrong; say what, in the order of the checks: room, JOIN_ID, name, membership.
  session.replyWhen(
    firstError(
      () =>
        ctx.rooms.get(req.roomRef) !== undefined
          ? undefined
          : andThen(ctx.directory.refStatus(req.roomRef), (status) =>
              status === 'live' ? undefined : noSuchRoom(req.roomRef),
            ),
      () => ownershipError(ctx, session, req.joinId),
      () => nameError,
      () => protocolError(ErrorCode.NotInRoom, `ROOM_REF ${req.roomRef}`),
    ),
  );
};
