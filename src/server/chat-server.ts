/**
 * The chat-room service: accepts any duplex stream as a connection (real sockets from
 * src/transport, in-memory pairs in tests), runs each request through the command table,
 * and delivers every room event the bus hands back to the room's local members, encoded once.
 *
 * A membership starts at the delivery of its join event and ends at the delivery of its leave
 * event (src/core/rooms.ts): JOINED_CHATROOM and LEFT_CHATROOM are written right there, just
 * before the notice, so the order rules hold however late the bus delivers (T2, T3, T13).
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  type BusHandler,
  type Directory,
  type LeaveReply,
  type RoomBus,
  type RoomEvent,
} from '../bus/bus.js';
import { LocalRooms } from '../bus/local-rooms.js';
import { Tally } from '../core/tally.js';
import { RoomRegistry, type Membership, type Room } from '../core/rooms.js';
import { unmapIPv4 } from '../protocol/address.js';
import type { ConnectionHandler } from '../conn/acceptor.js';
import { ConnectionSet } from '../conn/connection-set.js';
import type { Refusal } from '../conn/info.js';
import { FlushScheduler } from '../conn/send-queue.js';
import { ErrorCode, protocolError } from '../protocol/errors.js';
import { isProtocolError, type ParseResult } from '../protocol/tcd-parse.js';
import {
  chatFrame,
  errorReply,
  joinedReply,
  joinNotice,
  leaveNotice,
  leftReply,
  type Endpoint,
} from '../protocol/tcd-serialize.js';
import { runCommand } from './commands/index.js';
import type { ServerContext } from './context.js';
import { EventWaits } from './event-waits.js';
import { publishLeaves, type LeavePublisher } from './publish-leaves.js';
import type { ServerOptions } from './options.js';
import { Session, type ConnectionInfo, type DropCause, type SessionHandler } from './session.js';

export interface ChatServerEvents {
  /** KILL_SERVICE was accepted: the owner should stop listening, call shutdown() and exit 0. */
  kill: [];
}

/** The two seams; one in-process object is both unless a cluster gives its own. */
export interface Seams {
  readonly bus: RoomBus;
  readonly directory: Directory;
}

/** How long a leave event the store has published may take to reach this node, at most. */
const LATE_EVENT_MS = 2000;

export class ChatServer
  extends EventEmitter<ChatServerEvents>
  implements ServerContext, SessionHandler, ConnectionHandler, BusHandler
{
  readonly rooms = new RoomRegistry<Session>();
  readonly sessionsByJoinId = new Map<number, Session>();
  readonly bus: RoomBus;
  readonly directory: Directory;
  private readonly sessions = new ConnectionSet<Session>();
  private readonly scheduler = new FlushScheduler();
  /** The overload control every connection's requests pass (src/conn/intake-gate.ts). */
  readonly intake = this.scheduler.gate;
  /** Connections the server cut off, by cause: for operators, metrics and tests. */
  readonly drops: Record<DropCause, number> = {
    'slow-reader': 0,
    idle: 0,
    'internal-error': 0,
  };
  /** Requests by type (`invalid`: unparsable), ERROR_CODE replies by code, room-event deliveries: for metrics. */
  readonly requests = new Tally<string>();
  readonly errorReplies = new Tally<number>();
  deliveries = 0;
  private nextConnectionId = 1;
  /** Set once shutdown closes the seams: nothing is retried on them any more. */
  private busClosed = false;
  /** What publishing a closed connection's leaves needs of the server (publish-leaves.ts). */
  private readonly leavePublisher: LeavePublisher;
  /** What waits for a room's event to be handed on (`afterEvent`). */
  private readonly eventWaits = new EventWaits();

  constructor(
    readonly options: ServerOptions,
    seams?: Seams,
  ) {
    super();
    const local = seams === undefined ? new LocalRooms() : undefined;
    this.bus = seams?.bus ?? (local as LocalRooms);
    this.directory = seams?.directory ?? (local as LocalRooms);
    this.bus.subscribe(this);
    this.leavePublisher = {
      bus: this.bus,
      rooms: this.rooms,
      dropMembership: (entry) => this.dropMembership(entry),
      stopping: () => this.busClosed,
    };
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Serves one connection until it closes; `head` is what was already read from it. */
  handle(stream: Duplex, info: ConnectionInfo, head: Buffer = Buffer.alloc(0)): Session {
    const id = this.nextConnectionId++;
    const session = new Session(id, stream, info, this.options, this.scheduler, this);
    this.sessions.open(session, head);
    return session;
  }

  request(session: Session, result: ParseResult): void | Promise<void> {
    this.requests.add(isProtocolError(result) ? 'invalid' : result.type);
    if (isProtocolError(result)) session.replyError(result);
    else return runCommand(this, session, result);
  }

  errorReplied(code: number): void {
    this.errorReplies.add(code);
  }

  dropped(_session: Session, cause: DropCause): void {
    this.drops[cause]++;
  }

  closed(session: Session): void {
    this.sessions.delete(session);
    // A JOIN answered and awaiting its event watched the room for it: no membership will come.
    const awaited = session.abandonedJoinRef;
    if (awaited !== undefined) this.bus.unwatch(awaited);
    this.leaveAll(session, undefined); // T6: a dropped connection leaves like a DISCONNECT
    this.forgetIfDone(session);
  }

  roomEndpoint(session: Session): Endpoint {
    return {
      ip: this.options.advertiseHost ?? unmapIPv4(session.info.localAddress),
      port: this.options.advertisePort ?? session.info.localPort,
    };
  }

  leaveAll(session: Session, clientName: string | undefined): void {
    const joinId = session.joinId;
    if (joinId === undefined) return;
    // All begin leaving before any is published: a bus that delivers at once must not see
    // the count reach zero (and DISCONNECT close the connection) after the first room.
    const entries = this.rooms.beginLeaveAll(session);
    for (const entry of entries) session.expectLeave(entry.room.ref, false);
    // In a cluster the store may know of rooms this node lost track of: ask it anyway.
    if (entries.length === 0 && !this.bus.spansNodes) return;
    publishLeaves(this.leavePublisher, session, joinId, clientName, entries);
  }

  /** Removes a membership the service no longer has (its leave will never be delivered). */
  dropMembership(entry: Membership<Session>): void {
    const session = entry.member;
    this.rooms.leaveDelivered(entry);
    this.bus.unwatch(entry.room.ref);
    session.leaveSettled(entry.room.ref);
    this.leaveDone(session);
  }

  /**
   * A LEAVE answered with error 16 whose leave the store may still carry out: it is seen
   * through, not taken back (the room may be forgotten with it). Once the store has the member
   * out, its leave event settles it here as any other: the member is out of the room, and its
   * own leave notice, with no LEFT_CHATROOM (that request was answered), tells the client.
   */
  completeLeave(entry: Membership<Session>, outcome: Promise<LeaveReply>): void {
    const session = entry.member;
    const ref = entry.room.ref;
    session.leaveAnswered(ref);
    outcome.then(
      (reply) => {
        if (reply.kind === 'left') return; // its event is on its way
        // Out already: an earlier try went through (its event is on its way too), or the node
        // was taken for dead (no event will come). What has not come by then will not.
        setTimeout(() => {
          if (!session.expectsLeave(ref) || this.rooms.membership(entry.room, session) !== entry) {
            return;
          }
          session.holdOwnNotice(
            ref,
            chatFrame(ref, entry.clientName, leaveNotice(entry.clientName)),
          );
          this.dropMembership(entry);
        }, LATE_EVENT_MS).unref();
      },
      (err: unknown) => {
        // The bus closed (so does the connection), or a script failed: that is a bug, logged.
        if (!this.busClosed) session.log.error({ err }, 'a LEAVE given up on was not completed');
      },
    );
  }

  kill(): void {
    this.emit('kill');
  }

  /** Error 12 for a full server, 13 for a connection silent before its first byte. */
  refusal(refusal: Refusal): Buffer {
    const code = refusal.kind === 'server-full' ? ErrorCode.ServerFull : ErrorCode.IdleTimeout;
    this.errorReplies.add(code);
    return Buffer.from(errorReply(protocolError(code, refusal.detail)));
  }

  /**
   * Stops serving: what is queued is sent, every connection is closed, and connections that
   * do not close within `graceMs` are cut. With a `notice`, each client is told why first
   * (error 14 on SIGTERM; KILL_SERVICE says nothing). Alone, the server owes nobody a leave
   * notice: everyone is leaving; in a cluster, members on other nodes get them, through the
   * bus, before this node closes.
   */
  async shutdown(graceMs = 2000, notice?: string): Promise<void> {
    const farewell =
      notice === undefined ? undefined : protocolError(ErrorCode.ShuttingDown, notice);
    if (this.bus.spansNodes) {
      const leaving = [...this.sessions].map((s) => {
        this.leaveAll(s, undefined);
        return s;
      });
      const deadline = Date.now() + graceMs;
      while (leaving.some((s) => s.pendingLeaves > 0) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await this.sessions.closeAll(
      graceMs,
      farewell === undefined ? undefined : (session) => session.replyError(farewell),
    );
    // Waits for events that will not come now: each ends (its connection is closed).
    this.eventWaits.lost(undefined, undefined);
    this.busClosed = true;
    await Promise.all([this.bus.close(), this.directory.close()]);
  }

  /** The bus's next event of a room this node has members in (BusHandler). */
  event(event: RoomEvent): void {
    switch (event.kind) {
      case 'chat': {
        const room = this.rooms.get(event.ref);
        if (room !== undefined)
          this.deliveries += broadcast(room, chatFrame(room.ref, event.clientName, event.message));
        break;
      }
      case 'join':
        this.joinArrived(event);
        break;
      case 'leave':
        this.leaveArrived(event);
        break;
    }
    if (this.eventWaits.size > 0) this.eventWaits.handedOn(event.ref, event.seq);
  }

  afterEvent(
    ref: number,
    seq: number,
    reached: () => void,
    lost: (why: string | undefined) => void,
  ): void {
    this.eventWaits.add(ref, seq, reached, lost);
  }

  /** Part of room `ref`'s order was lost (cluster): its local members must rejoin (error 17). */
  lost(ref: number, why: string): void {
    const room = this.rooms.get(ref);
    this.options.logger.error({ ref, why, members: room?.members.size ?? 0 }, 'room order lost');
    const error = protocolError(ErrorCode.OrderLost, `ROOM_REF ${ref}: ${why}`);
    for (const entry of [...(room?.members.values() ?? [])]) {
      // Out of the room here (no leave event will come); the service learns at the close.
      this.rooms.leaveDelivered(entry);
      entry.member.leaveSettled(ref);
      entry.member.replyError(error);
      entry.member.finish('room order lost');
    }
    this.eventWaits.lost(ref, why);
    // A JOIN whose event will never come: answered with the error instead of waiting on.
    for (const session of this.sessions) {
      if (!session.awaitsJoinOf(ref)) continue;
      session.replyError(error);
      session.joinSettled();
      this.bus.unwatch(ref);
    }
  }

  private joinArrived(event: Extract<RoomEvent, { kind: 'join' }>): void {
    const session = this.sessionsByJoinId.get(event.joinId);
    if (session !== undefined && session.awaitsJoin(event.room, event.attempt)) {
      const { ref, room, clientName, attempt } = event;
      const entry = this.rooms.joinDelivered(ref, room, session, clientName, attempt);
      // The membership's watch is taken once, by the first of its event and the bus's answer.
      if (session.joinEventFirst()) this.bus.watch(ref, event.seq);
      // T2: JOINED_CHATROOM, then the join notice to every member, the joiner included.
      session.reply(joinedReply(room, this.roomEndpoint(session), ref, event.joinId));
      this.deliveries += broadcast(entry.room, chatFrame(ref, clientName, joinNotice(clientName)));
      session.joinSettled();
      return;
    }
    const room = this.rooms.get(event.ref);
    if (room === undefined) return;
    const notice = chatFrame(event.ref, event.clientName, joinNotice(event.clientName));
    // Another member's join; or one of `session`'s JOINs that it gave up on (error 16) and the
    // store carried out late: the connection was told that JOIN failed, or, if it is in the
    // room by a later one, was given its own notice then.
    this.deliveries += broadcast(room, notice, session);
  }

  private leaveArrived(event: Extract<RoomEvent, { kind: 'leave' }>): void {
    const room = this.rooms.get(event.ref);
    if (room === undefined) return;
    const session = this.sessionsByJoinId.get(event.joinId);
    const entry = session === undefined ? undefined : this.rooms.membership(room, session);
    const notice = chatFrame(event.ref, event.clientName, leaveNotice(event.clientName));
    if (session === undefined || entry === undefined) {
      this.deliveries += broadcast(room, notice);
      return;
    }
    if (!session.expectsLeave(event.ref)) {
      // A leave it never asked for: the service took it out of the room (its node was taken
      // for dead, and another published its leaves). It must rejoin: error 17, then closed,
      // as when a room's order is lost; the others are told it left.
      this.deliveries += broadcast(room, notice, session);
      this.rooms.leaveDelivered(entry);
      this.bus.unwatch(event.ref);
      const why = `ROOM_REF ${event.ref}: this connection was taken out of the room by the service`;
      session.replyError(protocolError(ErrorCode.OrderLost, why));
      session.finish('left by the service');
      return;
    }
    if (session.owesLeft(event.ref)) {
      // T3: LEFT_CHATROOM first, then the notice with the leaver still included.
      session.reply(leftReply(event.ref, event.joinId));
      this.deliveries += broadcast(room, notice);
    } else {
      // T6: a connection leaving all its rooms gets its notices by ascending ROOM_REF, however
      // the rooms' events interleave on their way here: its own wait until all have come.
      this.deliveries += broadcast(room, notice, session) + 1; // and its own, held
      session.holdOwnNotice(event.ref, notice);
    }
    this.rooms.leaveDelivered(entry);
    this.bus.unwatch(event.ref);
    session.leaveSettled(event.ref);
    this.leaveDone(session);
  }

  private leaveDone(session: Session): void {
    if (session.pendingLeaves > 0) return;
    session.sendOwnNotices();
    if (session.state === 'closing') session.finish('DISCONNECT');
    this.forgetIfDone(session);
  }

  /** A closed connection's JOIN_ID stays reserved (never reused, T7) but stops mapping to it. */
  private forgetIfDone(session: Session): void {
    if (session.state !== 'closed' || session.pendingLeaves > 0) return;
    if (session.joinId !== undefined) this.sessionsByJoinId.delete(session.joinId);
  }
}

/** One encoded frame to every member of the room (but `except`); returns how many it went to. */
function broadcast(room: Room<Session>, frame: Buffer, except?: Session): number {
  for (const member of room.members.keys()) if (member !== except) member.send(frame);
  return room.members.size - (except !== undefined && room.members.has(except) ? 1 : 0);
}
