/**
 * Rooms and their members, indexed both ways: room to members for fan-out, member to rooms
 * for DISCONNECT and connection loss. Pure bookkeeping: no I/O, and `M` is whatever the
 * server uses to stand for a connection.
 *
 * A membership moves through three states so that the order rules hold even when room events
 * come back from the bus later than the request that caused them:
 * - `joining`: JOINED_CHATROOM sent, join event not yet delivered; receives nothing (T2).
 * - `member`: receives every event of the room.
 * - `leaving`: LEFT_CHATROOM sent; receives no CHAT, only its own leave notice (T3).
 */
import { IdAllocator } from './ids.js';

export type MembershipState = 'joining' | 'member' | 'leaving';

export interface Room<M> {
  readonly ref: number;
  readonly name: string;
  readonly members: Map<M, Membership<M>>;
}

export interface Membership<M> {
  readonly room: Room<M>;
  readonly member: M;
  /** The CLIENT_NAME given when joining: used for notices when the connection just drops. */
  clientName: string;
  state: MembershipState;
}

export class RoomRegistry<M> {
  private readonly byName = new Map<string, Room<M>>();
  private readonly byRef = new Map<number, Room<M>>();
  private readonly byMember = new Map<M, Map<number, Membership<M>>>();
  private readonly refs = new IdAllocator();

  /** The room of that name, created on first use with the next ROOM_REF (T7). */
  getOrCreate(name: string): Room<M> {
    let room = this.byName.get(name);
    if (room === undefined) {
      room = { ref: this.refs.next(), name, members: new Map() };
      this.byName.set(name, room);
      this.byRef.set(room.ref, room);
    }
    return room;
  }

  /** The room of that name if it exists; never creates one. */
  find(name: string): Room<M> | undefined {
    return this.byName.get(name);
  }

  get(ref: number): Room<M> | undefined {
    return this.byRef.get(ref);
  }

  get roomCount(): number {
    return this.byRef.size;
  }

  membership(room: Room<M>, member: M): Membership<M> | undefined {
    return room.members.get(member);
  }

  /** Adds `member` to `room` in the `joining` state; an existing membership is returned as is. */
  add(room: Room<M>, member: M, clientName: string): Membership<M> {
    const existing = room.members.get(member);
    if (existing !== undefined) return existing;
    const entry: Membership<M> = { room, member, clientName, state: 'joining' };
    room.members.set(member, entry);
    let rooms = this.byMember.get(member);
    if (rooms === undefined) {
      rooms = new Map();
      this.byMember.set(member, rooms);
    }
    rooms.set(room.ref, entry);
    return entry;
  }

  remove(entry: Membership<M>): void {
    entry.room.members.delete(entry.member);
    const rooms = this.byMember.get(entry.member);
    if (rooms === undefined) return;
    rooms.delete(entry.room.ref);
    if (rooms.size === 0) this.byMember.delete(entry.member);
  }

  /** How many rooms `member` is in or on its way into. */
  roomCountOf(member: M): number {
    let n = 0;
    for (const entry of this.byMember.get(member)?.values() ?? []) {
      if (entry.state !== 'leaving') n++;
    }
    return n;
  }

  /** The memberships of `member` not already leaving, by ascending ROOM_REF (T6). */
  activeMemberships(member: M): Membership<M>[] {
    const rooms = this.byMember.get(member);
    if (rooms === undefined) return [];
    return [...rooms.values()]
      .filter((entry) => entry.state !== 'leaving')
      .sort((a, b) => a.room.ref - b.room.ref);
  }
}
