/**
 * The two seams every room goes through (DESIGN.md sections 1 and 5). The server never knows
 * whether they are in-process (the default) or span a cluster (Redis):
 *
 * - `Directory`: JOIN_IDs (issued once in the whole service, T7), and whether a ref or an id
 *   was ever issued (errors 2, 3 and 4).
 * - `RoomBus`: the rooms themselves. Membership changes are room events, so JOIN, LEAVE and
 *   the leaves of a closed connection are bus operations, as are chats; each appends its
 *   event to the room's one order, numbered by the room's sequence (`seq`), and the bus
 *   hands every event of a watched room to the server in that order, each exactly once
 *   (T13). A room exists while it has members: the bus makes it at its first JOIN and
 *   forgets it, atomically with its last leave (T7).
 *
 * Every operation may answer at once (in-process) or later (Redis), so results are
 * `Awaitable`: the single-process path never pays for a promise. An operation that cannot be
 * carried out (the store is unreachable) rejects with `BusUnavailable` within a bounded time.
 */

export type Awaitable<T> = T | Promise<T>;

export function isPromise<T>(value: Awaitable<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Runs `next` on the value now, or once it has arrived. */
export function andThen<T, U>(value: Awaitable<T>, next: (v: T) => Awaitable<U>): Awaitable<U> {
  return isPromise(value) ? value.then(next) : next(value);
}

export type RoomEvent =
  | {
      readonly kind: 'join';
      readonly ref: number;
      readonly seq: number;
      /** The room's name, for the joiner's JOINED_CHATROOM. */
      readonly room: string;
      readonly joinId: number;
      readonly clientName: string;
      /** The JOIN it is the event of (RoomBus.join's `attempt`). */
      readonly attempt: number;
    }
  | {
      readonly kind: 'leave';
      readonly ref: number;
      readonly seq: number;
      readonly joinId: number;
      readonly clientName: string;
    }
  | {
      readonly kind: 'chat';
      readonly ref: number;
      readonly seq: number;
      readonly clientName: string;
      readonly message: string;
    };

export interface BusHandler {
  /** The next event of a watched room, in the room's order. */
  event(event: RoomEvent): void;
  /**
   * Events of room `ref` were lost and cannot be recovered (a cluster store that lost data):
   * its local members can no longer be given one order, so they must be told and rejoin.
   */
  lost(ref: number, why: string): void;
}

export type JoinReply =
  /** The join event was appended at `seq`; `created` when the JOIN made the room. */
  | { readonly kind: 'joined'; readonly ref: number; readonly seq: number }
  /**
   * The connection was in the room already: nothing was appended (T5). `seq` is the room's
   * last event when answered: a node that takes the membership in from here on watches the
   * room from the next one.
   */
  | { readonly kind: 'already'; readonly ref: number; readonly seq: number }
  /** Making the room would pass the service's limit on rooms (error 15). */
  | { readonly kind: 'room-limit' };

export type LeaveReply =
  | { readonly kind: 'left'; readonly seq: number }
  /** The connection is not in that room: nothing was appended (T4). */
  | { readonly kind: 'not-member' };

/** One room a closed connection left: its leave event's place in the room's order. */
export interface RoomLeft {
  readonly ref: number;
  readonly seq: number;
}

export interface RoomBus {
  /** True when other nodes share the rooms (a closing node must publish its members' leaves). */
  readonly spansNodes: boolean;
  /** Registers the one handler of this node. */
  subscribe(handler: BusHandler): void;
  /**
   * JOIN: `joinId` enters room `room` as `clientName`; the room is made if need be (T7).
   * `attempt` names this JOIN among the node's and comes back in its join event: a connection
   * that sent a JOIN again after error 16 tells the event of the one it gave up on (which the
   * store may still carry out) from its own. It also names the membership made (or taken
   * over, on 'already').
   */
  join(
    room: string,
    joinId: number,
    clientName: string,
    maxRooms: number,
    attempt: number,
  ): Awaitable<JoinReply>;
  /**
   * LEAVE of room `ref`; the leave notice shows `clientName`. `attempt` is that of the JOIN
   * whose membership this ends: a leave the store carries out late, or twice (a retry after
   * error 16), takes out that membership only, never one a later JOIN made. A store that
   * carries every request out at once and once (in-process, the hub) has nothing to guard.
   */
  leave(ref: number, joinId: number, clientName: string, attempt: number): Awaitable<LeaveReply>;
  /**
   * DISCONNECT or a lost connection: `joinId` leaves every room it is in, by ascending ref
   * (T6); the notices show `clientName`, or without one the name each room was joined with.
   */
  leaveAll(joinId: number, clientName: string | undefined): Awaitable<RoomLeft[]>;
  /** CHAT to room `ref` (the caller checked that it is a member). */
  chat(ref: number, clientName: string, message: string): Awaitable<void>;
  /**
   * This node has a member in room `ref` from event `fromSeq` on: deliver the room's events
   * from there. `fromSeq` is its join event's, which exists; or, for a member taken in by an
   * 'already' answer, the one after the room's last event when answered (`lastKnown`), which
   * may not exist yet. Called once per local member; `unwatch` once per one that left.
   */
  watch(ref: number, fromSeq: number, lastKnown?: number): void;
  /**
   * The seq of the next event of room `ref` this node will hand on, where it follows its rooms
   * in sequence (a cluster bus; undefined if it does not, or does not know yet).
   */
  nextSeq?(ref: number): number | undefined;
  unwatch(ref: number): void;
  close(): Promise<void>;
}

/** What became of a ROOM_REF: a room has it now, it was issued and forgotten, or never issued. */
export type RefStatus = 'live' | 'forgotten' | 'never';

export interface Directory {
  /** A JOIN_ID never issued before in the service (T7). */
  issueJoinId(): Awaitable<number>;
  /** True if `id` was ever issued (it may belong to a connection now closed). */
  joinIdIssued(id: number): Awaitable<boolean>;
  refStatus(ref: number): Awaitable<RefStatus>;
  close(): Promise<void>;
}

/** The store behind the seams could not be reached in time: the request gets error 16. */
export class BusUnavailable extends Error {
  override readonly name = 'BusUnavailable';
}

/**
 * A JOIN sent to the store and not answered in time: the store may still carry it out. The
 * JOIN gets error 16, so it must not take effect: `undo` takes the connection out of the room
 * again if it did (the others see it join and leave), and does nothing if it did not.
 */
export class JoinNotAnswered extends BusUnavailable {
  constructor(
    message: string,
    readonly undo: () => void,
  ) {
    super(message);
  }
}

/**
 * A LEAVE sent to the store and not answered in time. A leave cannot be taken back (the room
 * may be forgotten with it), so it is completed instead: `outcome` is the store's answer once
 * it comes, the late one or a retry's (rejected only when the bus closes first).
 */
export class LeaveNotAnswered extends BusUnavailable {
  constructor(
    message: string,
    readonly outcome: Promise<LeaveReply>,
  ) {
    super(message);
  }
}
