/**
 * This node's side of the rooms: the rooms it has members in, and their members, indexed both
 * ways: room to members for fan-out, member to rooms for DISCONNECT and connection loss. Pure
 * bookkeeping: no I/O, and `M` is whatever the server uses to stand for a connection. Refs
 * come from the bus, which holds the rooms of the whole service (src/bus/bus.ts).
 *
 * A membership begins when its join event is delivered here, in the room's order, and ends
 * when its leave event is: so a member receives exactly the events between its own join
 * notice and its own leave notice, a gap-free slice of the room's one order (T2, T3, T13),
 * however late the bus delivers. In between it is a `member`, or `leaving` once its leave has
 * been asked for and not yet delivered (T4: asking again starts nothing). Every change of
 * state is one of the named transitions below; nothing else writes `state`.
 *
 * A room is kept while it has local members and forgotten when its last one's leave is
 * delivered (T7); `leaveDelivered` says so, and the server stops watching it.
 */

export type MembershipState = 'member' | 'leaving';

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
  /** The JOIN that made it (RoomBus.join's `attempt`): its LEAVE ends this membership only. */
  readonly attempt: number;
  readonly state: MembershipState;
}

interface MutableRoom<M> extends Room<M> {
  readonly members: Map<M, MutableMembership<M>>;
}

interface MutableMembership<M> extends Membership<M> {
  readonly room: MutableRoom<M>;
  state: MembershipState;
}

export class RoomRegistry<M> {
  private readonly byName = new Map<string, MutableRoom<M>>();
  private readonly byRef = new Map<number, MutableRoom<M>>();
  /**
   * Each member's memberships: the one itself while it has one (the common case: a Map per
   * idle connection would cost it a few hundred bytes), a Map by ref once it has more.
   */
  private readonly byMember = new Map<
    M,
    MutableMembership<M> | Map<number, MutableMembership<M>>
  >();

  /** The room of that name, if it has members here. */
  find(name: string): Room<M> | undefined {
    return this.byName.get(name);
  }

  get(ref: number): Room<M> | undefined {
    return this.byRef.get(ref);
  }

  /** Rooms with members on this node. */
  get roomCount(): number {
    return this.byRef.size;
  }

  membership(room: Room<M>, member: M): Membership<M> | undefined {
    return room.members.get(member);
  }

  /** The membership of `member` in room `ref`, if any. */
  membershipIn(ref: number, member: M): Membership<M> | undefined {
    return this.byRef.get(ref)?.members.get(member);
  }

  /** How many rooms `member` is in, not counting those it is leaving. */
  roomCountOf(member: M): number {
    let n = 0;
    for (const entry of this.membershipsOf(member)) {
      if (entry.state !== 'leaving') n++;
    }
    return n;
  }

  /**
   * The join event of `member` reached this node: from here on it receives room `ref` (named
   * `name`; kept here from its first local member on). A member already there is returned as is.
   */
  joinDelivered(
    ref: number,
    name: string,
    member: M,
    clientName: string,
    attempt: number,
  ): Membership<M> {
    let room = this.byRef.get(ref);
    if (room === undefined) {
      room = { ref, name, members: new Map() };
      this.byRef.set(ref, room);
      this.byName.set(name, room);
    }
    const existing = room.members.get(member);
    if (existing !== undefined) return existing;
    const entry: MutableMembership<M> = { room, member, clientName, attempt, state: 'member' };
    room.members.set(member, entry);
    const rooms = this.byMember.get(member);
    if (rooms === undefined) this.byMember.set(member, entry);
    else if (rooms instanceof Map) rooms.set(ref, entry);
    else
      this.byMember.set(
        member,
        new Map([
          [rooms.room.ref, rooms],
          [ref, entry],
        ]),
      );
    return entry;
  }

  /** LEAVE was asked for. False if it already was (T4). */
  beginLeave(entry: Membership<M>): boolean {
    const own = this.current(entry);
    if (own === undefined || own.state === 'leaving') return false;
    own.state = 'leaving';
    return true;
  }

  /** A LEAVE that surely did not happen (the bus refused it): a member again. */
  cancelLeave(entry: Membership<M>): void {
    const own = this.current(entry);
    if (own !== undefined) own.state = 'member';
  }

  /**
   * DISCONNECT or a lost connection: every membership not already leaving begins to leave.
   * Returned by ascending ROOM_REF (T6).
   */
  beginLeaveAll(member: M): Membership<M>[] {
    const entries = [...this.membershipsOf(member)]
      .filter((entry) => entry.state !== 'leaving')
      .sort((a, b) => a.room.ref - b.room.ref);
    for (const entry of entries) entry.state = 'leaving';
    return entries;
  }

  /**
   * The leave event of `entry` reached this node: it is out of the room. True when that left
   * the room without local members, so it is forgotten here (T7).
   */
  leaveDelivered(entry: Membership<M>): boolean {
    const own = this.current(entry);
    if (own === undefined) return false;
    const room = own.room;
    room.members.delete(own.member);
    const rooms = this.byMember.get(own.member);
    if (rooms === own) this.byMember.delete(own.member);
    else if (rooms instanceof Map) {
      rooms.delete(room.ref);
      if (rooms.size === 0) this.byMember.delete(own.member);
    }
    if (room.members.size > 0) return false;
    // The name may already be a newer room's: the service forgot this one before we did.
    if (this.byName.get(room.name) === room) this.byName.delete(room.name);
    this.byRef.delete(room.ref);
    return true;
  }

  private membershipsOf(member: M): Iterable<MutableMembership<M>> {
    const rooms = this.byMember.get(member);
    if (rooms === undefined) return [];
    return rooms instanceof Map ? rooms.values() : [rooms];
  }

  /** The registry's own (writable) record of `entry`, if it is still a membership here. */
  private current(entry: Membership<M>): MutableMembership<M> | undefined {
    const own = this.byRef.get(entry.room.ref)?.members.get(entry.member);
    return own === entry ? own : undefined;
  }
}
