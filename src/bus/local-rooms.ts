/**
 * The single-process seams (the default): one `LocalRooms` is both the Directory and the
 * RoomBus of a server that is the whole service. Everything answers at once, and events are
 * delivered synchronously but never re-entrantly: an event appended while another is being
 * delivered (a slow reader cut off mid fan-out leaves its rooms) waits its turn, so a
 * delivery loop never sees its room change under it and every member sees one order (T13).
 */
import { IdAllocator } from '../core/ids.js';
import type {
  BusHandler,
  Directory,
  JoinReply,
  LeaveReply,
  RefStatus,
  RoomBus,
  RoomEvent,
  RoomLeft,
} from './bus.js';

interface LocalRoom {
  readonly ref: number;
  readonly name: string;
  seq: number;
  /** Members by JOIN_ID, with the name each joined with. */
  readonly members: Map<number, string>;
}

export class LocalRooms implements RoomBus, Directory {
  readonly spansNodes = false;
  private handler: BusHandler | undefined;
  private readonly byName = new Map<string, LocalRoom>();
  private readonly byRef = new Map<number, LocalRoom>();
  /** Rooms of each JOIN_ID, for leaveAll. */
  private readonly byJoinId = new Map<number, Set<LocalRoom>>();
  private readonly refs = new IdAllocator();
  private readonly joinIds = new IdAllocator();
  private readonly queue: RoomEvent[] = [];
  private draining = false;

  subscribe(handler: BusHandler): void {
    this.handler = handler;
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

  join(name: string, joinId: number, clientName: string, maxRooms: number): JoinReply {
    let room = this.byName.get(name);
    if (room?.members.has(joinId) === true) return { kind: 'already', ref: room.ref };
    if (room === undefined) {
      if (this.byRef.size >= maxRooms) return { kind: 'room-limit' };
      room = { ref: this.refs.next(), name, seq: 0, members: new Map() };
      this.byName.set(name, room);
      this.byRef.set(room.ref, room);
    }
    room.members.set(joinId, clientName);
    let rooms = this.byJoinId.get(joinId);
    if (rooms === undefined) {
      rooms = new Set();
      this.byJoinId.set(joinId, rooms);
    }
    rooms.add(room);
    const seq = ++room.seq;
    this.append({ kind: 'join', ref: room.ref, seq, room: name, joinId, clientName });
    return { kind: 'joined', ref: room.ref, seq };
  }

  leave(ref: number, joinId: number, clientName: string): LeaveReply {
    const room = this.byRef.get(ref);
    if (room === undefined || !room.members.has(joinId)) return { kind: 'not-member' };
    return { kind: 'left', seq: this.remove(room, joinId, clientName) };
  }

  leaveAll(joinId: number, clientName: string | undefined): RoomLeft[] {
    const rooms = [...(this.byJoinId.get(joinId) ?? [])].sort((a, b) => a.ref - b.ref);
    return rooms.map((room) => ({
      ref: room.ref,
      seq: this.remove(room, joinId, clientName ?? room.members.get(joinId) ?? ''),
    }));
  }

  chat(ref: number, clientName: string, message: string): void {
    const room = this.byRef.get(ref);
    if (room === undefined) return;
    this.append({ kind: 'chat', ref, seq: ++room.seq, clientName, message });
  }

  /** One node sees every room: nothing to subscribe to. */
  watch(): void {}

  unwatch(): void {}

  close(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }

  /** Takes `joinId` out of `room`, forgetting the room if it empties (T7); the leave's seq. */
  private remove(room: LocalRoom, joinId: number, clientName: string): number {
    room.members.delete(joinId);
    const rooms = this.byJoinId.get(joinId);
    rooms?.delete(room);
    if (rooms?.size === 0) this.byJoinId.delete(joinId);
    if (room.members.size === 0) {
      this.byName.delete(room.name);
      this.byRef.delete(room.ref);
    }
    const seq = ++room.seq;
    this.append({ kind: 'leave', ref: room.ref, seq, joinId, clientName });
    return seq;
  }

  private append(event: RoomEvent): void {
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let i = 0; i < this.queue.length; i++) this.handler?.event(this.queue[i] as RoomEvent);
    } finally {
      this.queue.length = 0;
      this.draining = false;
    }
  }
}
