/**
 * The chat-room service: accepts any duplex stream as a connection (real sockets from
 * src/transport, in-memory pairs in tests), runs each request through the command table,
 * and delivers every room event the bus hands back to the room's local members, encoded once.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Bus, RoomEvent } from '../bus/bus.js';
import { LocalBus } from '../bus/local-bus.js';
import { IdAllocator } from '../core/ids.js';
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
  joinNotice,
  leaveNotice,
  type Endpoint,
} from '../protocol/tcd-serialize.js';
import { runCommand } from './commands/index.js';
import type { ServerContext } from './context.js';
import type { ServerOptions } from './options.js';
import { Session, type ConnectionInfo, type DropCause, type SessionHandler } from './session.js';

export interface ChatServerEvents {
  /** KILL_SERVICE was accepted: the owner should stop listening, call shutdown() and exit 0. */
  kill: [];
}

export class ChatServer
  extends EventEmitter<ChatServerEvents>
  implements ServerContext, SessionHandler, ConnectionHandler
{
  readonly rooms = new RoomRegistry<Session>();
  readonly joinIds = new IdAllocator();
  readonly sessionsByJoinId = new Map<number, Session>();
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
  private nextConnectionId = 1;

  constructor(
    readonly options: ServerOptions,
    readonly bus: Bus = new LocalBus(),
  ) {
    super();
    bus.subscribe((event) => this.deliver(event));
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

  request(session: Session, result: ParseResult): void {
    if (isProtocolError(result)) session.replyError(result);
    else runCommand(this, session, result);
  }

  dropped(_session: Session, cause: DropCause): void {
    this.drops[cause]++;
  }

  closed(session: Session): void {
    this.sessions.delete(session);
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
    session.pendingLeaves += entries.length;
    for (const entry of entries) {
      const name = clientName ?? entry.clientName;
      this.bus.publish({ kind: 'leave', roomRef: entry.room.ref, joinId, clientName: name });
    }
  }

  kill(): void {
    this.emit('kill');
  }

  /** Error 12 for a full server, 13 for a connection silent before its first byte. */
  refusal(refusal: Refusal): Buffer {
    const code = refusal.kind === 'server-full' ? ErrorCode.ServerFull : ErrorCode.IdleTimeout;
    return Buffer.from(errorReply(protocolError(code, refusal.detail)));
  }

  /**
   * Stops serving: what is queued is sent, every connection is closed, and connections that
   * do not close within `graceMs` are cut. No leave notices: everyone is leaving. With a
   * `notice`, each client is told why first (error 14 on SIGTERM; KILL_SERVICE says nothing).
   */
  async shutdown(graceMs = 2000, notice?: string): Promise<void> {
    const farewell =
      notice === undefined ? undefined : protocolError(ErrorCode.ShuttingDown, notice);
    await this.sessions.closeAll(
      graceMs,
      farewell === undefined ? undefined : (session) => session.replyError(farewell),
    );
    await this.bus.close();
  }

  private deliver(event: RoomEvent): void {
    const room = this.rooms.get(event.roomRef);
    if (room === undefined) return;
    if (event.kind === 'chat') {
      broadcast(room, chatFrame(room.ref, event.clientName, event.message));
      return;
    }
    const session = this.sessionsByJoinId.get(event.joinId);
    const own = session === undefined ? undefined : this.rooms.membership(room, session);
    if (event.kind === 'join') {
      if (own !== undefined) this.rooms.joinDelivered(own); // T2: the joiner gets its own notice
      broadcast(room, chatFrame(room.ref, event.clientName, joinNotice(event.clientName)));
      return;
    }
    // T3: the leave notice still reaches the leaver; then it is out of the room.
    broadcast(room, chatFrame(room.ref, event.clientName, leaveNotice(event.clientName)), own);
    if (own !== undefined) this.rooms.leaveDelivered(own);
    if (session !== undefined) this.leaveDelivered(session);
  }

  private leaveDelivered(session: Session): void {
    session.pendingLeaves--;
    if (session.pendingLeaves > 0) return;
    if (session.state === 'closing') session.finish('DISCONNECT');
    this.forgetIfDone(session);
  }

  /** A closed connection's JOIN_ID stays reserved (never reused, T7) but stops mapping to it. */
  private forgetIfDone(session: Session): void {
    if (session.state !== 'closed' || session.pendingLeaves > 0) return;
    if (session.joinId !== undefined) this.sessionsByJoinId.delete(session.joinId);
  }
}

/** One encoded frame to every member of the room, and to `alsoTo` (a leaver) whatever its state. */
function broadcast(room: Room<Session>, frame: Buffer, alsoTo?: Membership<Session>): void {
  for (const entry of room.members.values()) {
    if (entry.state === 'member' || entry === alsoTo) entry.member.send(frame);
  }
}
