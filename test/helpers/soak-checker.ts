/**
 * The soak test's record and checker. Each connection's received frames are recorded in
 * arrival order (room events interned to small integers, JOINED/LEFT as markers); the checker
 * then verifies, from those bytes only, the delivery rules of PROTOCOL.md:
 *
 * - Every room has an observer that joins before any other client and stays to the end, so
 *   its events are the room's order. No event reaches it twice.
 * - T2: after JOINED_CHATROOM, the joiner's first event of that room is its own join notice.
 * - T13 and exactly once: the events a member received while in a room (from its own join
 *   notice to its own leave notice) are a contiguous run of the room's order: no gap, no
 *   duplicate, no reordering. A member cut off (RST, slow reader) received a prefix of such
 *   a run. Since every member's run is a slice of the one order, any two members saw the
 *   events they both should have seen in the same order.
 * - T3: after LEFT_CHATROOM the next event of that room is the leaver's own leave notice,
 *   and nothing of the room follows it (see CheckOptions for a bus that orders the notice
 *   later than the LEAVE).
 * - T6: every join notice in a room is followed, later in the order, by that member's leave
 *   notice (LEAVE, DISCONNECT, or a connection that just vanished).
 * - T1 and T13: every chat a connection wrote (and did not abort) reached the room and came
 *   back to the sender, byte for byte (T10), and a sender's chats are in the order written.
 * - T12: no client received an error.
 */
import type { TcdReply } from '../../src/protocol/tcd-reply.js';

export type EventKind = 'join' | 'leave' | 'chat';

export interface RoomEventInfo {
  readonly room: number;
  readonly kind: EventKind;
  /** The CLIENT_NAME of the frame. */
  readonly name: string;
}

export type ConnEnd = 'open' | 'disconnect' | 'abort' | 'server-closed';

/** One connection: what it received, and what its test client did with it. */
export interface ConnLog {
  readonly id: number;
  /** Room events (ids >= 0) and JOINED / LEFT markers (< 0), in arrival order. */
  readonly received: number[];
  /** Error replies and unparsable frames received: a violation for every client here. */
  readonly errors: string[];
  /** The CLIENT_NAMEs it joined rooms with: one per membership, unique in the soak. */
  readonly names: Set<string>;
  /** The CLIENT_NAME of its DISCONNECT, if it sent one (names its leave notices, T6). */
  disconnectName: string | undefined;
  end: ConnEnd;
  /** Chats written on this connection, in order: the room and the exact frame expected back. */
  readonly sent: { readonly room: number; readonly frame: string }[];
  /** Expected to be cut off by the server (the slow reader): its runs may be prefixes. */
  slow: boolean;
}

export interface SoakVerdict {
  /** The first violations found, each described; `violationCount` has them all. */
  readonly violations: readonly string[];
  readonly violationCount: number;
  /** Distinct room events (join notices, chats, leave notices) in all rooms. */
  readonly events: number;
  /** Event receptions checked against the room order, observers included. */
  readonly deliveries: number;
  /** Memberships (a connection in a room, from join to leave) checked. */
  readonly memberships: number;
  /** Chats written by clients and found back in their room. */
  readonly chatsConfirmed: number;
}

export interface CheckOptions {
  /** Accept chats skipped between a leaver's LEFT_CHATROOM and its leave notice (T3). */
  readonly leaveWindow?: boolean;
}

const joinedMarker = (room: number): number => -(2 * room + 1);
const leftMarker = (room: number): number => -(2 * room + 2);
function decodeMarker(x: number): { room: number; kind: 'joined' | 'left' } {
  const m = -x - 1;
  return { room: m >> 1, kind: (m & 1) === 0 ? 'joined' : 'left' };
}

export class SoakLog {
  readonly events: RoomEventInfo[] = [];
  readonly conns: ConnLog[] = [];
  private readonly ids = new Map<string, number>();

  newConn(): ConnLog {
    const conn: ConnLog = {
      id: this.conns.length + 1,
      received: [],
      errors: [],
      names: new Set(),
      disconnectName: undefined,
      end: 'open',
      sent: [],
      slow: false,
    };
    this.conns.push(conn);
    return conn;
  }

  record(conn: ConnLog, reply: TcdReply): void {
    switch (reply.type) {
      case 'chat':
        conn.received.push(this.intern(reply));
        return;
      case 'joined':
        conn.received.push(joinedMarker(Number(reply.roomRef)));
        return;
      case 'left':
        conn.received.push(leftMarker(Number(reply.roomRef)));
        return;
      case 'error':
        conn.errors.push(reply.raw);
        return;
      case 'unknown':
        conn.errors.push(`unparsable frame: ${reply.raw.slice(0, 80)}`);
        return;
      case 'helo':
        return;
    }
  }

  /** The id of a chat frame received by some client, if any did. */
  idOf(frame: string): number | undefined {
    return this.ids.get(frame);
  }

  private intern(reply: Extract<TcdReply, { type: 'chat' }>): number {
    const known = this.ids.get(reply.raw);
    if (known !== undefined) return known;
    const id = this.events.length;
    const name = reply.clientName;
    const kind: EventKind =
      reply.message === `${name} has joined this chatroom.`
        ? 'join'
        : reply.message === `${name} has left this chatroom.`
          ? 'leave'
          : 'chat';
    this.events.push({ room: Number(reply.roomRef), kind, name });
    this.ids.set(reply.raw, id);
    return id;
  }

  /** Checks every rule above; `observers` maps each ROOM_REF to its observer. */
  check(observers: ReadonlyMap<number, ConnLog>, options: CheckOptions = {}): SoakVerdict {
    return new Checker(this, observers, { leaveWindow: options.leaveWindow ?? false }).run();
  }
}

interface RoomOrder {
  readonly seq: readonly number[];
  readonly pos: ReadonlyMap<number, number>;
}

interface Run {
  phase: 'joining' | 'in' | 'leaving';
  name: string | undefined;
  readonly events: number[];
}

const MAX_REPORTED = 30;

class Checker {
  private readonly violations: string[] = [];
  private violationCount = 0;
  private deliveries = 0;
  private memberships = 0;
  private chatsConfirmed = 0;
  private readonly orders = new Map<number, RoomOrder>();
  private readonly owner = new Map<string, ConnLog>();

  constructor(
    private readonly log: SoakLog,
    private readonly observers: ReadonlyMap<number, ConnLog>,
    private readonly options: Required<CheckOptions>,
  ) {
    for (const conn of log.conns) {
      for (const name of conn.names) this.owner.set(name, conn);
      if (conn.disconnectName !== undefined) this.owner.set(conn.disconnectName, conn);
    }
  }

  run(): SoakVerdict {
    for (const [room, observer] of this.observers) this.roomOrder(room, observer);
    const observerSet = new Set(this.observers.values());
    for (const conn of this.log.conns) {
      for (const error of conn.errors.slice(0, 3)) {
        this.fail(`conn ${conn.id} received an error (T12): ${JSON.stringify(error)}`);
      }
      if (conn.end === 'server-closed' && !conn.slow) {
        this.fail(`conn ${conn.id} was closed by the server without a reason the test gave`);
      }
      if (!observerSet.has(conn)) this.memberRuns(conn);
      this.sentChats(conn);
    }
    let events = 0;
    for (const order of this.orders.values()) events += order.seq.length;
    return {
      violations: this.violations,
      violationCount: this.violationCount,
      events,
      deliveries: this.deliveries,
      memberships: this.memberships,
      chatsConfirmed: this.chatsConfirmed,
    };
  }

  private fail(message: string): void {
    this.violationCount++;
    if (this.violations.length < MAX_REPORTED) this.violations.push(message);
  }

  private describe(id: number | undefined): string {
    if (id === undefined) return 'nothing';
    const e = this.log.events[id];
    return e === undefined ? `event ${id}` : `${e.kind} of '${e.name}' (room ${e.room})`;
  }

  /** The observer's events are the room's order; its own membership spans all of them. */
  private roomOrder(room: number, observer: ConnLog): void {
    const seq = observer.received.filter((x) => x >= 0 && this.log.events[x]?.room === room);
    const pos = new Map<number, number>();
    seq.forEach((id, i) => {
      if (pos.has(id)) this.fail(`room ${room}: the observer received ${this.describe(id)} twice`);
      else pos.set(id, i);
    });
    this.orders.set(room, { seq, pos });
    this.deliveries += seq.length;
    this.memberships++;
    const first = seq[0] === undefined ? undefined : this.log.events[seq[0]];
    if (first?.kind !== 'join' || !observer.names.has(first.name)) {
      this.fail(`room ${room}: the observer's first event is ${this.describe(seq[0])} (T2)`);
    }
    this.balance(room, seq);
  }

  /** T6: each join notice is followed by that member's leave notice, none without a join. */
  private balance(room: number, seq: readonly number[]): void {
    const open = new Map<ConnLog, string>();
    for (const id of seq) {
      const e = this.log.events[id];
      if (e === undefined || e.kind === 'chat') continue;
      const conn = this.owner.get(e.name);
      if (conn === undefined) {
        this.fail(`room ${room}: ${this.describe(id)} names no client of the test`);
        continue;
      }
      const current = open.get(conn);
      if (e.kind === 'join') {
        if (current !== undefined) {
          this.fail(
            `room ${room}: ${this.describe(id)} while '${current}' of the same connection is in`,
          );
        }
        open.set(conn, e.name);
      } else if (current === undefined) {
        this.fail(`room ${room}: ${this.describe(id)} without a join notice before it`);
      } else if (e.name !== current && e.name !== conn.disconnectName) {
        this.fail(`room ${room}: ${this.describe(id)} but the connection joined as '${current}'`);
      } else {
        open.delete(conn);
      }
    }
    for (const name of open.values()) {
      this.fail(`room ${room}: '${name}' joined and never got a leave notice (T6)`);
    }
  }

  /** Splits a connection's events into runs, one per membership, and checks each. */
  private memberRuns(conn: ConnLog): void {
    const runs = new Map<number, Run>();
    const own = (run: Run, id: number): boolean => {
      const e = this.log.events[id];
      return e?.kind === 'leave' && (e.name === run.name || e.name === conn.disconnectName);
    };
    for (const x of conn.received) {
      if (x < 0) {
        const { room, kind } = decodeMarker(x);
        const run = runs.get(room);
        if (kind === 'joined') {
          if (run !== undefined)
            this.fail(`conn ${conn.id}: JOINED_CHATROOM for room ${room} it is in`);
          else runs.set(room, { phase: 'joining', name: undefined, events: [] });
        } else if (run?.phase !== 'in') {
          this.fail(`conn ${conn.id}: LEFT_CHATROOM for room ${room} while ${run?.phase ?? 'out'}`);
        } else {
          run.phase = 'leaving';
        }
        continue;
      }
      const e = this.log.events[x];
      if (e === undefined) continue;
      const run = runs.get(e.room);
      if (run === undefined) {
        this.fail(`conn ${conn.id}: ${this.describe(x)} while not in room ${e.room} (T2, T3)`);
        continue;
      }
      if (run.phase === 'joining') {
        if (e.kind !== 'join' || !conn.names.has(e.name)) {
          this.fail(
            `conn ${conn.id}: first event after JOINED is ${this.describe(x)}, not its own join notice (T2)`,
          );
          runs.delete(e.room);
          continue;
        }
        run.phase = 'in';
        run.name = e.name;
        run.events.push(x);
        continue;
      }
      if (run.phase === 'leaving' && !own(run, x)) {
        this.fail(
          `conn ${conn.id}: ${this.describe(x)} after LEFT_CHATROOM, before its own leave notice (T3)`,
        );
        continue;
      }
      if (run.phase === 'in' && e.kind === 'leave' && e.name === run.name) {
        this.fail(
          `conn ${conn.id}: its leave notice in room ${e.room} came before LEFT_CHATROOM (T3)`,
        );
      }
      run.events.push(x);
      if (own(run, x)) {
        this.verifyRun(conn, e.room, run, run.phase === 'leaving' ? 'left' : 'disconnected');
        runs.delete(e.room);
      }
    }
    for (const [room, run] of runs) {
      if (conn.end === 'abort' || conn.slow) {
        if (run.events.length > 0) this.verifyRun(conn, room, run, 'cut');
      } else {
        this.fail(
          `conn ${conn.id}: membership '${run.name ?? '?'}' of room ${room} never got its own leave notice`,
        );
      }
    }
  }

  /**
   * The run must be a contiguous slice of the room's order. With `leaveWindow` (a bus that
   * publishes the leave event after LEAVE is answered, as a cluster bus may) the leaver's
   * own notice only has to come later: T3 lets chats between its LEFT_CHATROOM and the
   * notice skip it. A single process publishes the leave event as it answers, so by default
   * the run is contiguous to its end.
   */
  private verifyRun(
    conn: ConnLog,
    room: number,
    run: Run,
    how: 'left' | 'disconnected' | 'cut',
  ): void {
    this.memberships++;
    const order = this.orders.get(room);
    if (order === undefined) {
      this.fail(`room ${room} has no observer`);
      return;
    }
    const events = run.events;
    const strict = how === 'left' && this.options.leaveWindow ? events.length - 1 : events.length;
    const start = order.pos.get(events[0] ?? -1);
    if (start === undefined) {
      this.fail(
        `conn ${conn.id}: ${this.describe(events[0])} is missing from room ${room}'s order`,
      );
      return;
    }
    for (let i = 1; i < strict; i++) {
      const at = order.pos.get(events[i] ?? -1);
      if (at !== start + i) {
        this.fail(
          `conn ${conn.id} '${run.name ?? '?'}', room ${room}: its event ${i} is ${this.describe(events[i])}, ` +
            `the room's order has ${this.describe(order.seq[start + i])} there (gap, duplicate or reorder; T13)`,
        );
        return;
      }
    }
    if (how === 'left' && this.options.leaveWindow) {
      const last = events[events.length - 1];
      const at = last === undefined ? undefined : order.pos.get(last);
      if (at === undefined || at < start + strict) {
        this.fail(
          `conn ${conn.id}: its leave notice in room ${room} is out of the room's order (T3)`,
        );
        return;
      }
    }
    this.deliveries += events.length;
  }

  /** T1, T13: chats written came back to the room, in the order written. */
  private sentChats(conn: ConnLog): void {
    const mustArrive = conn.end === 'disconnect' && !conn.slow;
    const received = mustArrive ? new Set(conn.received) : undefined;
    const lastAt = new Map<number, number>();
    for (const { room, frame } of conn.sent) {
      const id = this.log.idOf(frame);
      const at = id === undefined ? undefined : this.orders.get(room)?.pos.get(id);
      if (at === undefined || id === undefined) {
        if (mustArrive)
          this.fail(
            `conn ${conn.id}: its chat ${JSON.stringify(frame.slice(0, 60))} never reached room ${room}`,
          );
        continue;
      }
      if (received !== undefined && !received.has(id)) {
        this.fail(
          `conn ${conn.id}: its chat ${JSON.stringify(frame.slice(0, 60))} did not come back to it (T1)`,
        );
      }
      if (at < (lastAt.get(room) ?? -1)) {
        this.fail(`conn ${conn.id}: its chats reached room ${room} out of the order written (T13)`);
      }
      lastAt.set(room, at);
      this.chatsConfirmed++;
    }
  }
}
