/**
 * The soak tests' clients (test/soak/soak.test.ts against one process, test/cluster/soak.test.ts
 * against several): connections that join, chat, leave, disconnect and abort (RST) at random
 * across a set of rooms, each one observed from its start by an observer that stays to the
 * end, every reply recorded for test/helpers/soak-checker.ts. Connections go to the service's
 * ports in turn, so in a cluster every room has members on every node.
 */
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { EventClient } from './event-log.js';
import { SoakLog, type ConnLog } from './soak-checker.js';

/** How long any one reply may take before the client counts it as lost or stalled. */
export const REPLY_TIMEOUT_MS = 10_000;

export const roomName = (i: number): string => `room${i}`;
const rand = (n: number): number => Math.floor(Math.random() * n);
const between = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);

/** Pacing between a client's actions (think time); never used to wait for a result. */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A message body: unique (connection and sequence number), of varied size. */
function messageText(conn: number, seq: number, size?: number): string {
  const r = Math.random();
  const pad = size ?? (r < 0.6 ? rand(40) : r < 0.9 ? 100 + rand(500) : 1000 + rand(3000));
  return `m${conn}.${seq} ${'abcdefghij'.repeat(Math.ceil(pad / 10)).slice(0, pad)}`;
}

/** The frame every member must receive for a chat (T10: exact bytes). */
const chatFrame = (ref: number, name: string, message: string): string =>
  `CHAT: ${ref}\nCLIENT_NAME: ${name}\nMESSAGE: ${message}\n\n`;

export const isNotice = (r: TcdReply, name: string, what: 'joined' | 'left'): boolean =>
  r.type === 'chat' && r.clientName === name && r.message === `${name} has ${what} this chatroom.`;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** One client connection of the soak and what the checker needs to know about it. */
export class Conn {
  joinId: number | undefined;
  /** ROOM_REF -> the CLIENT_NAME of this connection's membership there. */
  readonly rooms = new Map<number, string>();
  private joins = 0;
  private seq = 0;

  constructor(
    readonly client: EventClient,
    readonly log: ConnLog,
  ) {}

  get id(): number {
    return this.log.id;
  }

  /** JOIN, then JOINED_CHATROOM and the joiner's own join notice (T2). */
  async join(room: string, name = `c${this.id}m${this.joins++}`): Promise<number> {
    this.log.names.add(name);
    const joined = this.client.waitFor(
      (r) => r.type === 'joined' && r.room === room,
      REPLY_TIMEOUT_MS,
      `conn ${this.id}: JOINED_CHATROOM ${room}`,
    );
    const notice = this.client.waitFor(
      (r) => isNotice(r, name, 'joined'),
      REPLY_TIMEOUT_MS,
      `conn ${this.id}: join notice of ${name}`,
    );
    this.client.send(request.join(room, name));
    const [reply] = await Promise.all([joined, notice]);
    if (reply.type !== 'joined') throw new Error('unreachable');
    const ref = Number(reply.roomRef);
    const joinId = Number(reply.joinId);
    if (this.joinId !== undefined && joinId !== this.joinId) {
      throw new Error(`conn ${this.id}: JOIN_ID ${joinId}, then ${this.joinId} (T7)`);
    }
    this.joinId = joinId;
    this.rooms.set(ref, name);
    return ref;
  }

  /** LEAVE, then LEFT_CHATROOM and the leaver's own leave notice (T3). */
  async leave(ref: number): Promise<void> {
    const name = this.rooms.get(ref) ?? '';
    const left = this.client.waitFor(
      (r) => r.type === 'left' && r.roomRef === String(ref),
      REPLY_TIMEOUT_MS,
      `conn ${this.id}: LEFT_CHATROOM ${ref}`,
    );
    const notice = this.client.waitFor(
      (r) => isNotice(r, name, 'left'),
      REPLY_TIMEOUT_MS,
      `conn ${this.id}: leave notice of ${name}`,
    );
    this.client.send(request.leave(ref, this.joinId ?? 0, name));
    await Promise.all([left, notice]);
    this.rooms.delete(ref);
  }

  /** `count` chats to `ref` in one write; each must come back to the sender (T1). */
  async chat(ref: number, count: number, size?: number): Promise<number> {
    const name = this.rooms.get(ref) ?? '';
    const echoes: Promise<TcdReply>[] = [];
    let text = '';
    for (let i = 0; i < count; i++) {
      const message = messageText(this.id, this.seq++, size);
      const frame = chatFrame(ref, name, message);
      this.log.sent.push({ room: ref, frame });
      echoes.push(
        this.client.waitFor((r) => r.raw === frame, REPLY_TIMEOUT_MS, `conn ${this.id}: echo`),
      );
      text += request.chat(ref, this.joinId ?? 0, name, message);
    }
    const sentAt = performance.now();
    this.client.send(text);
    await Promise.all(echoes);
    return performance.now() - sentAt;
  }

  /** DISCONNECT: the leave notices, then the server closes the connection (T6). */
  async disconnect(): Promise<void> {
    const name = `c${this.id}x`;
    this.log.disconnectName = name;
    this.log.end = 'disconnect';
    this.client.send(request.disconnect(name));
    await this.client.closedWithin(REPLY_TIMEOUT_MS, `conn ${this.id}: DISCONNECT`);
  }

  /** An abortive close (RST), sometimes in the middle of a request. */
  reset(midRequest: boolean): void {
    this.log.end = 'abort';
    if (midRequest) this.client.send(`CHAT: 1\nJOIN_ID: ${this.joinId ?? 0}\nMESSAGE: cut`);
    this.client.reset();
  }
}

/** The soak's population: its connections, what they did, and what went wrong. */
export class SoakClients {
  readonly log = new SoakLog();
  readonly live = new Set<EventClient>();
  readonly failures: string[] = [];
  failureCount = 0;
  readonly counts = { connections: 0, actions: 0, chats: 0 };
  readonly echoMs: number[] = [];
  /** ROOM_REF of each room, once the observers have joined. */
  refs: number[] = [];
  private readonly observerConns: Conn[] = [];
  private nameOfRef = new Map<number, string>();
  private nextPort = 0;

  constructor(
    private readonly ports: readonly number[],
    private readonly rooms: number,
    private readonly maxRoomsPerClient: number,
  ) {}

  fail(what: string): void {
    this.failureCount++;
    if (this.failures.length < 20) this.failures.push(what);
  }

  /** A new connection, to the next port in turn. */
  async open(): Promise<Conn> {
    const port = this.ports[this.nextPort++ % this.ports.length] ?? 0;
    const client = await EventClient.connect(port);
    const conn = new Conn(client, this.log.newConn());
    this.counts.connections++;
    this.live.add(client);
    client.onReply = (reply) => this.log.record(conn.log, reply);
    void client.whenClosed.then(() => {
      this.live.delete(client);
      if (conn.log.end === 'open') conn.log.end = 'server-closed';
    });
    return conn;
  }

  /** One observer per room, joined before anyone else and staying to the end. */
  async observe(): Promise<{ conns: Conn[]; byRef: Map<number, ConnLog> }> {
    const byRef = new Map<number, ConnLog>();
    for (let i = 0; i < this.rooms; i++) {
      const c = await this.open();
      const ref = await c.join(roomName(i), `obs${i}`);
      this.refs.push(ref);
      byRef.set(ref, c.log);
      this.observerConns.push(c);
    }
    this.nameOfRef = new Map(this.refs.map((ref, i) => [ref, roomName(i)]));
    return { conns: this.observerConns, byRef };
  }

  /** One connection's life: random actions until it disconnects, resets or time is up. */
  async session(c: Conn, running: () => boolean): Promise<void> {
    for (;;) {
      await pause(between(50, 600));
      if (!running()) return c.disconnect();
      this.counts.actions++;
      const roll = Math.random();
      const inRooms = [...c.rooms.keys()];
      const some = inRooms[rand(inRooms.length)];
      if (some === undefined || (roll < 0.12 && c.rooms.size < this.maxRoomsPerClient)) {
        const free = this.refs.filter((r) => !c.rooms.has(r));
        const ref = free[rand(free.length)] ?? 0;
        const got = await c.join(this.nameOfRef.get(ref) ?? '?');
        if (got !== ref) this.fail(`conn ${c.id}: ROOM_REF ${got} for ${ref}'s room (T7)`);
      } else if (roll < 0.22) {
        await c.leave(some);
      } else if (roll < 0.26) {
        return c.disconnect();
      } else if (roll < 0.29) {
        c.reset(Math.random() < 0.5);
        return;
      } else if (roll < 0.33) {
        await c.client.request(
          request.helo(`soak ${c.id}`),
          (r) => r.type === 'helo',
          REPLY_TIMEOUT_MS,
          `conn ${c.id}: HELO`,
        );
      } else if (roll < 0.9) {
        const n = 1 + rand(3);
        this.counts.chats += n;
        this.echoMs.push(await c.chat(some, n));
      } // else idle for a turn
    }
  }

  /** One simulated user: connection after connection until time is up. */
  async user(running: () => boolean): Promise<void> {
    while (running()) {
      let c: Conn | undefined;
      try {
        c = await this.open();
        await this.session(c, running);
      } catch (err) {
        this.fail(err instanceof Error ? err.message : String(err));
        c?.client.destroy();
        if (c !== undefined && c.log.end === 'open') c.log.end = 'abort';
        await pause(200);
      }
    }
  }

  /**
   * Waits (at most `timeoutMs`) until every observer saw a leave notice for every join notice
   * (T6), then disconnects them.
   */
  async drain(timeoutMs: number): Promise<void> {
    const balanced = (c: Conn): boolean => {
      let n = 0;
      for (const x of c.log.received) {
        const e = x >= 0 ? this.log.events[x] : undefined;
        if (e?.kind === 'join') n++;
        if (e?.kind === 'leave') n--;
      }
      return n === 1; // the observer itself
    };
    const deadline = performance.now() + timeoutMs;
    while (!this.observerConns.every(balanced) && performance.now() < deadline) {
      await pause(100);
    }
    for (const c of this.observerConns) await c.disconnect();
  }

  /** How each connection ended, for the figures. */
  ended(how: string): number {
    return this.log.conns.filter((c) => c.end === how).length;
  }

  destroyAll(): void {
    for (const client of this.live) client.destroy();
  }
}
