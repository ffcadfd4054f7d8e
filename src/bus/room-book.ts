/**
 * The rooms of a whole service, as one in-memory book: which names have which refs, who is in
 * each room, each room's sequence, and the identifiers issued. Every change that is a room
 * event is handed to `emit` with its seq, in the room's order. Pure: no I/O, no timers. The
 * single-process seams (LocalRooms) are this book with synchronous delivery; tests build a
 * deliberately slow, reordering cluster on it too.
 */
import { IdAllocator } from '../core/ids.js';
import type { JoinReply, LeaveReply, RefStatus, RoomEvent, RoomLeft } from './bus.js';

interface BookRoom {
  readonly ref: number;
  readonly name: string;
  seq: number;
  /** Members by JOIN_ID, with the name each joined with. */
  readonly members: Map<number, string>;
}

export class RoomBook {
  private readonly byName = new Map<string, BookRoom>();
  private readonly byRef = new Map<number, BookRoom>();
  /** Rooms of each JOIN_ID, for leaveAll: the room itself while it is one, a Set once more. */
  private readonly byJoinId = new Map<number, BookRoom | Set<BookRoom>>();
  private readonly refs = new IdAllocator();
  private readonly joinIds = new IdAllocator();

  constructor(private readonly emit: (event: RoomEvent) => void) {}

  /** Rooms with members. */
  get roomCount(): number {
    return this.byRef.size;
  }

  issueJoinId(): number {
    return this.joinIds.next();
  }

  joinIdIssued(id: number): boolean {
    return this.joinIds.wasIssued(id);
  }

  refStatus(ref: number): RefStatus {
    if (this.byRef.has(ref)) return 'live';
    return this.refs.wasIssued(ref) ? 'forgotten' : 'never';
  }

  /** The room's latest seq (0 if it has none). */
  lastSeq(ref: number): number {
    return this.byRef.get(ref)?.seq ?? 0;
  }

  join(
    name: string,
    joinId: number,
    clientName: string,
    maxRooms: number,
    attempt: number,
  ): JoinReply {
    let room = this.byName.get(name);
    if (room?.members.has(joinId) === true)
      return { kind: 'already', ref: room.ref, seq: room.seq };
    if (room === undefined) {
      if (this.byRef.size >= maxRooms) return { kind: 'room-limit' };
      room = { ref: this.refs.next(), name, seq: 0, members: new Map() };
      this.byName.set(name, room);
      this.byRef.set(room.ref, room);
    }
    room.members.set(joinId, clientName);
    const rooms = this.byJoinId.get(joinId);
    if (rooms === undefined) this.byJoinId.set(joinId, room);
    else if (rooms instanceof Set) rooms.add(room);
    else if (rooms !== room) this.byJoinId.set(joinId, new Set([rooms, room]));
    const seq = ++room.seq;
    this.emit({ kind: 'join', ref: room.ref, seq, room: name, joinId, clientName, attempt });
    return { kind: 'joined', ref: room.ref, seq };
  }

  /**
   * A book carries every request out at once and once, never late or twice, so a leave's
   * `attempt` has nothing to guard here (RoomBus.leave): memberships keep no attempt.
   */
  leave(ref: number, joinId: number, clientName: string): LeaveReply {
    const room = this.byRef.get(ref);
    if (room === undefined || !room.members.has(joinId)) return { kind: 'not-member' };
    return { kind: 'left', seq: this.remove(room, joinId, clientName) };
  }

  leaveAll(joinId: number, clientName: string | undefined): RoomLeft[] {
    const held = this.byJoinId.get(joinId);
    const rooms = (held === undefined ? [] : held instanceof Set ? [...held] : [held]).sort(
      (a, b) => a.ref - b.ref,
    );
    return rooms.map((room) => ({
      ref: room.ref,
      seq: this.remove(room, joinId, clientName ?? room.members.get(joinId) ?? ''),
    }));
  }

  chat(ref: number, clientName: string, message: string): void {
    const room = this.byRef.get(ref);
    if (room === undefined) return;
    this.emit({ kind: 'chat', ref, seq: ++room.seq, clientName, message });
  }

  /** Takes `joinId` out of `room`, forgetting the room if it empties (T7); the leave's seq. */
  private remove(room: BookRoom, joinId: number, clientName: string): number {
    room.members.delete(joinId);
    const rooms = this.byJoinId.get(joinId);
    if (rooms === room) this.byJoinId.delete(joinId);
    else if (rooms instanceof Set) {
      rooms.delete(room);
      if (rooms.size === 0) this.byJoinId.delete(joinId);
    }
    if (room.members.size === 0) {
      this.byName.delete(room.name);
      this.byRef.delete(room.ref);
    }
    const seq = ++room.seq;
    this.emit({ kind: 'leave', ref: room.ref, seq, joinId, clientName });
    return seq;
  }
}
