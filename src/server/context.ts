/** What command handlers may use of the server: its seams and its local state, no sockets. */
import type { Directory, LeaveReply, RoomBus } from '../bus/bus.js';
import type { Membership, RoomRegistry } from '../core/rooms.js';
import type { Endpoint } from '../protocol/tcd-serialize.js';
import type { ServerOptions } from './options.js';
import type { Session } from './session.js';

export interface ServerContext {
  readonly options: ServerOptions;
  /** The rooms this node has members in. */
  readonly rooms: RoomRegistry<Session>;
  readonly bus: RoomBus;
  readonly directory: Directory;
  /** Sessions by JOIN_ID, so a delivered room event finds its local member. */
  readonly sessionsByJoinId: Map<number, Session>;
  /** The address and port a client should use for a room (JOINED_CHATROOM). */
  roomEndpoint(session: Session): Endpoint;
  /** Leaves every room of `session`, ascending ROOM_REF (T6). */
  leaveAll(session: Session, clientName: string | undefined): void;
  /** Removes a membership the service no longer has (its leave will never be delivered). */
  dropMembership(entry: Membership<Session>): void;
  /** Sees through a leave the store did not answer in time (its LEAVE got error 16). */
  completeLeave(entry: Membership<Session>, outcome: Promise<LeaveReply>): void;
  /**
   * Calls `reached` as soon as room `ref`'s event `seq` has been handed on here (before the
   * next one is), or `lost` if the room's order is lost first (`why`) or the server stops.
   */
  afterEvent(
    ref: number,
    seq: number,
    reached: () => void,
    lost: (why: string | undefined) => void,
  ): void;
  /** Stops the service (KILL_SERVICE, T14). */
  kill(requestedBy: Session): void;
}

/**
 * A request's handler. It may finish at once or return a promise: the connection's next
 * request waits for it (JOIN, LEAVE and DISCONNECT, whose replies are written when their room
 * events arrive). A handler that must not hold the next request (CHAT) finishes at once and
 * leaves a reply to come with `Session.replyWhen`, in its place among the replies.
 */
export type CommandHandler<R> = (
  ctx: ServerContext,
  session: Session,
  request: R,
) => void | Promise<void>;
