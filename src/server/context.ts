/** What command handlers may use of the server: shared state and the bus, no sockets. */
import type { Bus } from '../bus/bus.js';
import type { IdAllocator } from '../core/ids.js';
import type { RoomRegistry } from '../core/rooms.js';
import type { Endpoint } from '../protocol/tcd-serialize.js';
import type { ServerOptions } from './options.js';
import type { Session } from './session.js';

export interface ServerContext {
  readonly options: ServerOptions;
  readonly rooms: RoomRegistry<Session>;
  readonly joinIds: IdAllocator;
  readonly bus: Bus;
  /** Sessions by JOIN_ID, so a delivered room event finds its local member. */
  readonly sessionsByJoinId: Map<number, Session>;
  /** The address and port a client should use for a room (JOINED_CHATROOM). */
  roomEndpoint(session: Session): Endpoint;
  /** Publishes leave events for every room of `session`, ascending ROOM_REF (T6). */
  leaveAll(session: Session, clientName: string | undefined): void;
  /** Stops the service (KILL_SERVICE, T14). */
  kill(requestedBy: Session): void;
}

export type CommandHandler<R> = (ctx: ServerContext, session: Session, request: R) => void;
