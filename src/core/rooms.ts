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
 * Every change of state is one of the named transitions below; nothing else writes `state`.
 *
 * A room exists while it has members: it is made by its first JOIN and forgotten when its
 * last member's leave is delivered, so empty rooms cost nothing and nobody can fill the room
 * space by creating rooms and leaving them (T7). Its ref is never given to another name: refs
 * only grow, and the registry remembers which were issued (a repeated LEAVE of a forgotten
 * ref still gets LEFT_CHATROOM, T4).
 */
import { IdAllocator } from './ids.js';

export type MembershipState = 'joining' | 'member' | 'leaving';

export interface Room<M> {
  readonly ref: number;
  readonly name: string;
  readonly members: ReadonlyMap<M, Membership<M>>;
}

export interface Membership<M> {
  readonly room: Room<M>;
  readonly member: M;
  /** The CLIENT_NAME given when joining: used for notices when the connection just drops. */
  readonly clientName: string;
  readonly state: MembershipState;
}

interface MutableRoom<M> extends Room<M> {
  readonly members: Map<M, MutableMembership<M>>;
}

interface MutableMembership<M> extends Membership<M> {
  readonly room: MutableRoom<M>;
  clientName: string;
  state: MembershipState;
}

/** What a JOIN did: `entry` is the membership (and `entry.room` the room). */
export interface JoinOutcome<M> {
  readonly entry: Membership<M>;
  /** False for a repeated JOIN of a room the member is in (T5): nothing is published. */
  readonly fresh: boolean;
}

export class RoomRegistry<M> {
  private readonly byName = new Map<string, MutableRoom<M>>();
  private readonly byRef = new Map<number, MutableRoom<M>>();
  private readonly byMember = new Map<M, Map<number, MutableMembership<M>>>();
  private readonly refs = new IdAllocator();

  /** The room of that name if it exists; never creates one. */
  find(name: string): Room<M> | undefined {
    return this.byName.get(name);
  }

  get(ref: number): Room<M> | undefined {
    return this.byRef.get(ref);
  }

  /** Rooms with members (or members on their way in or out). */
  get roomCount(): number {
    return this.byRef.size;
  }

  /** True if `ref` was given to some room, even one since forgotten (T7). */
  wasIssued(ref: number): boolean {
    return this.refs.wasIssued(ref);
  }

  membership(room: Room<M>, member: M): Membership<M> | undefined {
    return room.members.get(member);
  }

  /** How many rooms `member` is in or on its way into. */
  roomCountOf(member: M): number {
    let n = 0;
    for (const entry of this.byMember.get(member)?.values() ?? []) {
      if (entry.state !== 'leaving') n++;
    }
    return n;
  }

  /**
   * JOIN: `member` enters the room `name` as `joining`; a room not in use is made, with the
   * next ROOM_REF (T7). A repeated JOIN (T5) changes nothing; a member that is still leaving
   * the room is taken back as `joining`, with the name it gives now.
   */
  join(name: string, member: M, clientName: string): JoinOutcome<M> {
    let own = this.byName.get(name);
    if (own === undefined) {
      own = { ref: this.refs.next(), name, members: new Map() };
      this.byName.set(name, own);
      this.byRef.set(own.ref, own);
    }
    const existing = own.members.get(member);
    if (existing !== undefined && existing.state !== 'leaving') {
      return { entry: existing, fresh: false };
    }
    if (existing !== undefined) {
      existing.state = 'joining';
      existing.clientName = clientName;
      return { entry: existing, fresh: true };
    }
    const entry: MutableMembership<M> = { room: own, member, clientName, state: 'joining' };
    own.members.set(member, entry);
    let rooms = this.byMember.get(member);
    if (rooms === undefined) {
      rooms = new Map();
      this.byMember.set(member, rooms);
    }
    rooms.set(own.ref, entry);
    return { entry, fresh: true };
  }

  /** The join event reached this node: from here on the member receives the room (T2). */
  joinDelivered(entry: Membership<M>): void {
    const own = this.current(entry);
    if (own?.state === 'joining') own.state = 'member';
  }

  /** LEAVE: no CHAT reaches the member from here on (T3). False if it was already leaving (T4). */
  beginLeave(entry: Membership<M>): boolean {
    const own = this.current(entry);
    if (own === undefined || own.state === 'leaving') return false;
    own.state = 'leaving';
    return true;
  }

  /**
   * DISCONNECT or a lost connection: every membership not already leaving begins to leave,
   * all before any leave event is published. Returned by ascending ROOM_REF (T6).
   */
  beginLeaveAll(member: M): Membership<M>[] {
    const rooms = this.byMember.get(member);
    if (rooms === undefined) return [];
    const entries = [...rooms.values()]
      .filter((entry) => entry.state !== 'leaving')
      .sort((a, b) => a.room.ref - b.room.ref);
    for (const entry of entries) entry.state = 'leaving';
    return entries;
  }

  /**
   * The leave event reached this node: a member still leaving is out of the room, and a room
   * left empty is forgotten (T7).
   */
  leaveDelivered(entry: Membership<M>): void {
    const own = this.current(entry);
    if (own?.state !== 'leaving') return; // joined again while its leave was on the way
    const room = own.room;
    room.members.delete(own.member);
    if (room.members.size === 0) {
      this.byName.delete(room.name);
      this.byRef.delete(room.ref);
    }
    const rooms = this.byMember.get(own.member);
    if (rooms === undefined) return;
    rooms.delete(room.ref);
    if (rooms.size === 0) this.byMember.delete(own.member);
  }

  /** The registry's own (writable) record of `entry`, if it is still a membership here. */
  private current(entry: Membership<M>): MutableMembership<M> | undefined {
    const own = this.byRef.get(entry.room.ref)?.members.get(entry.member);
    return own === entry ? own : undefined;
  }
}
