/**
 * Publishing the leaves of a connection that closed or sent DISCONNECT: rooms the bus did not
 * have it in are settled here, and a closed connection must leave even if the store is down
 * for a while, so it is retried until the server stops.
 */
import { BusUnavailable, isPromise, type RoomBus, type RoomLeft } from '../bus/bus.js';
import type { Membership, RoomRegistry } from '../core/rooms.js';
import type { Session } from './session.js';

/** How often a closed connection's leaves are retried while the store is unreachable. */
const LEAVE_RETRY_MS = 500;

/** What publishing the leaves needs of the server. */
export interface LeavePublisher {
  readonly bus: RoomBus;
  readonly rooms: RoomRegistry<Session>;
  /** Removes a membership the service no longer has (its leave will never be delivered). */
  dropMembership(entry: Membership<Session>): void;
  /** True once the server closed its seams: nothing is retried on them any more. */
  stopping(): boolean;
}

export function publishLeaves(
  server: LeavePublisher,
  session: Session,
  joinId: number,
  clientName: string | undefined,
  entries: Membership<Session>[],
): void {
  const settle = (left: RoomLeft[]): void => {
    const published = new Set(left.map((l) => l.ref));
    for (const entry of entries) {
      if (
        !published.has(entry.room.ref) &&
        server.rooms.membership(entry.room, session) === entry
      ) {
        server.dropMembership(entry);
      }
    }
  };
  let result;
  try {
    result = server.bus.leaveAll(joinId, clientName);
  } catch (err) {
    result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  if (!isPromise(result)) {
    settle(result);
    return;
  }
  result.then(settle, (err: unknown) => {
    if (!(err instanceof BusUnavailable)) {
      // A bug (a script's error): logged, not retried, and never an unhandled rejection.
      session.log.error({ err }, 'publishing the leaves failed');
      return;
    }
    if (server.stopping()) {
      // Stopping: what is left is the store's to clean up (another node reaps it).
      session.log.warn({ err: err.message }, 'leave not published before the stop');
      return;
    }
    session.log.warn({ err: err.message }, 'leave not published yet; retrying');
    setTimeout(() => publishLeaves(server, session, joinId, clientName, entries), LEAVE_RETRY_MS);
  });
}
