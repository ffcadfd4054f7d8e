/**
 * The soak test (issue 6): a few hundred clients join, chat, leave, disconnect, reconnect and
 * abort (RST) at random across ten rooms for SOAK_SECONDS (default 60) against a real
 * `roomcast serve` process, while one client stops reading and must be cut off as a slow
 * reader without holding anyone up. Afterwards test/helpers/soak-checker.ts verifies from the
 * bytes received that every member got every event of its rooms exactly once and in the one
 * order of the room (T1, T2, T3, T6, T13, no errors: T12), and the server's peak RSS
 * (VmHWM) is held to a bound.
 *
 *   SOAK_SECONDS=600 node --import tsx --test test/soak/soak.test.ts   # a long soak
 *
 * Env: SOAK_SECONDS (traffic phase, default 60), SOAK_CLIENTS (default 300),
 * SOAK_RSS_MB (bound on the server's peak RSS, default 300).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { EventClient } from '../helpers/event-log.js';
import { SoakLog, type ConnLog } from '../helpers/soak-checker.js';
import { spawnServer } from '../helpers/process.js';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 300);
const RSS_LIMIT_MB = Number(process.env.SOAK_RSS_MB ?? 300);
const ROOMS = 10;
const MAX_ROOMS_PER_CLIENT = 4;
const SEND_QUEUE_BYTES = 256 * 1024;
/** How long any one reply may take before the client counts it as lost or stalled. */
const REPLY_TIMEOUT_MS = 10_000;
/** Time after the traffic phase for the last leave notices to reach the observers. */
const DRAIN_TIMEOUT_MS = 20_000;
const SLOW_NAME = 'slow-reader';
/** Bound on the 99th percentile of chat echo latency (measured: 40 to 300 ms on 2 busy cores). */
const ECHO_P99_LIMIT_MS = 2000;
const MB = 1024 * 1024;

const roomName = (i: number): string => `room${i}`;
const rand = (n: number): number => Math.floor(Math.random() * n);
const between = (lo: number, hi: number): number => lo + Math.random() * (hi - lo);

/** Pacing between a client's actions (think time); never used to wait for a result. */
function pause(ms: number): Promise<void> {
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

const isNotice = (r: TcdReply, name: string, what: 'joined' | 'left'): boolean =>
  r.type === 'chat' && r.clientName === name && r.message === `${name} has ${what} this chatroom.`;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** One client connection of the soak and what the checker needs to know about it. */
class Conn {
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

test(
  `soak: ${CLIENTS} clients, ${ROOMS} rooms, ${SOAK_SECONDS} s of churn, resets and a slow reader`,
  { timeout: SOAK_SECONDS * 1000 + 120_000 },
  async () => {
    const server = await spawnServer(
      ['--rate-limit', '0', '--send-queue-bytes', String(SEND_QUEUE_BYTES)],
      SOAK_SECONDS * 1000 + 115_000,
    );
    const log = new SoakLog();
    const live = new Set<EventClient>();
    const failures: string[] = [];
    let failureCount = 0;
    const fail = (what: string): void => {
      failureCount++;
      if (failures.length < 20) failures.push(what);
    };
    let peakRss = 0;
    const sampleMemory = (): void => {
      try {
        peakRss = Math.max(peakRss, server.memory().peak);
      } catch {
        // the process is gone: the checks below fail on that
      }
    };
    const sampler = setInterval(sampleMemory, 500);
    const counts = { connections: 0, actions: 0, chats: 0 };
    const echoMs: number[] = [];
    const wallStart = performance.now();
    /** Set when the test ends, however it ends: every client loop then stops. */
    let stopped = false;

    async function open(): Promise<Conn> {
      const client = await EventClient.connect(server.port);
      const conn = new Conn(client, log.newConn());
      counts.connections++;
      live.add(client);
      client.onReply = (reply) => log.record(conn.log, reply);
      void client.whenClosed.then(() => {
        live.delete(client);
        if (conn.log.end === 'open') conn.log.end = 'server-closed';
      });
      return conn;
    }

    try {
      // One observer per room, joined before anyone else and staying to the end: its
      // events are the room's order for the checker.
      const observerConns: Conn[] = [];
      const refs: number[] = [];
      const observers = new Map<number, ConnLog>();
      for (let i = 0; i < ROOMS; i++) {
        const c = await open();
        const ref = await c.join(roomName(i), `obs${i}`);
        refs.push(ref);
        observers.set(ref, c.log);
        observerConns.push(c);
      }
      const nameOfRef = new Map(refs.map((ref, i) => [ref, roomName(i)]));

      // The slow reader joins every room and then never reads again. The server must cut
      // it off (its leave notices then reach every room, T6) while everyone carries on.
      const slow = await open();
      slow.log.slow = true;
      for (let i = 0; i < ROOMS; i++) await slow.join(roomName(i), SLOW_NAME);
      slow.client.socket.pause();
      const slowPausedAt = performance.now();
      let slowDroppedAfterMs: number | undefined;
      const watcher = observerConns[0];
      if (watcher === undefined) throw new Error('no observer');
      watcher.client.onReply = (reply) => {
        log.record(watcher.log, reply);
        if (slowDroppedAfterMs === undefined && isNotice(reply, SLOW_NAME, 'left')) {
          slowDroppedAfterMs = performance.now() - slowPausedAt;
        }
      };

      const deadline = performance.now() + SOAK_SECONDS * 1000;
      const running = (): boolean => !stopped && performance.now() < deadline;

      /** One connection's life: random actions until it disconnects, resets or time is up. */
      async function session(c: Conn): Promise<void> {
        for (;;) {
          await pause(between(50, 600));
          if (!running()) return c.disconnect();
          counts.actions++;
          const roll = Math.random();
          const inRooms = [...c.rooms.keys()];
          const some = inRooms[rand(inRooms.length)];
          if (some === undefined || (roll < 0.12 && c.rooms.size < MAX_ROOMS_PER_CLIENT)) {
            const free = refs.filter((r) => !c.rooms.has(r));
            const ref = free[rand(free.length)] ?? 0;
            const got = await c.join(nameOfRef.get(ref) ?? '?');
            if (got !== ref) fail(`conn ${c.id}: ROOM_REF ${got} for ${ref}'s room (T7)`);
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
            counts.chats += n;
            echoMs.push(await c.chat(some, n));
          } // else idle for a turn
        }
      }

      /** One simulated user: connection after connection until time is up. */
      async function user(): Promise<void> {
        while (running()) {
          let c: Conn | undefined;
          try {
            c = await open();
            await session(c);
          } catch (err) {
            fail(err instanceof Error ? err.message : String(err));
            c?.client.destroy();
            if (c !== undefined && c.log.end === 'open') c.log.end = 'abort';
            await pause(200);
          }
        }
      }

      /** Big chats into room 0 until the slow reader is gone, so that it fills up early. */
      async function bulk(): Promise<void> {
        const c = await open();
        try {
          const ref = await c.join(roomName(0));
          while (running() && slowDroppedAfterMs === undefined) {
            counts.chats++;
            echoMs.push(await c.chat(ref, 1, 8000));
          }
          await c.disconnect();
        } catch (err) {
          fail(`bulk talker: ${err instanceof Error ? err.message : String(err)}`);
          c.client.destroy();
        }
      }

      const users = Array.from({ length: CLIENTS }, () => user());
      await Promise.all([...users, bulk()]);
      const trafficEnd = performance.now();

      // Drain: every join notice an observer saw is answered by a leave notice (T6).
      const balanced = (c: Conn): boolean => {
        let n = 0;
        for (const x of c.log.received) {
          const e = x >= 0 ? log.events[x] : undefined;
          if (e?.kind === 'join') n++;
          if (e?.kind === 'leave') n--;
        }
        return n === 1; // the observer itself
      };
      const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
      while (!observerConns.every(balanced) && performance.now() < drainDeadline) {
        await pause(100);
      }
      for (const c of observerConns) await c.disconnect();
      sampleMemory();
      const memory = server.memory();
      const slowDrops = server.drops('slow-reader');

      const verdict = log.check(observers);
      const ended = (how: string): number => log.conns.filter((c) => c.end === how).length;
      const wallSeconds = (performance.now() - wallStart) / 1000;
      console.log(
        [
          `soak figures (${SOAK_SECONDS} s of traffic, ${wallSeconds.toFixed(1)} s in all):`,
          `  clients: ${CLIENTS} users + ${ROOMS} observers + 1 bulk talker + 1 slow reader, ${ROOMS} rooms`,
          `  connections made: ${counts.connections} (${ended('disconnect')} ended by DISCONNECT, ${ended('abort')} by RST,` +
            ` ${ended('server-closed')} by the server)`,
          `  client actions: ${counts.actions}, chats sent: ${counts.chats}`,
          `  room events: ${verdict.events}, deliveries verified: ${verdict.deliveries}` +
            ` in ${verdict.memberships} memberships; chats confirmed in order: ${verdict.chatsConfirmed}`,
          `  echo latency ms: p50 ${percentile(echoMs, 50).toFixed(1)}, p99 ${percentile(echoMs, 99).toFixed(1)}, max ${percentile(echoMs, 100).toFixed(1)}`,
          `  slow reader cut off after ${slowDroppedAfterMs === undefined ? 'never' : `${(slowDroppedAfterMs / 1000).toFixed(1)} s`}` +
            ` (server log: ${slowDrops} slow-reader drop)`,
          `  server RSS: peak ${(Math.max(peakRss, memory.peak) / MB).toFixed(1)} MB (VmHWM), at end ${(memory.rss / MB).toFixed(1)} MB`,
          `  violations: ${verdict.violationCount}, client failures: ${failureCount}`,
        ].join('\n'),
      );

      assert.deepEqual(failures, [], `${failureCount} client failures`);
      assert.deepEqual(verdict.violations, [], `${verdict.violationCount} violations`);
      assert.ok(verdict.deliveries > 0 && verdict.chatsConfirmed > 0, 'the soak checked nothing');
      assert.ok(slowDroppedAfterMs !== undefined, 'the slow reader was never cut off');
      assert.ok(slowDroppedAfterMs < trafficEnd - slowPausedAt, 'cut off during the traffic');
      assert.equal(slowDrops, 1, 'exactly one connection dropped as a slow reader');
      // Nobody waited on the slow reader (or on anything else): echoes stay prompt.
      assert.ok(
        percentile(echoMs, 99) < ECHO_P99_LIMIT_MS,
        `p99 echo latency ${percentile(echoMs, 99).toFixed(0)} ms`,
      );
      assert.ok(
        Math.max(peakRss, memory.peak) < RSS_LIMIT_MB * MB,
        `server peak RSS ${(peakRss / MB).toFixed(1)} MB over ${RSS_LIMIT_MB} MB`,
      );
    } catch (err) {
      console.log(`server log tail:\n${server.logTail().slice(-4000)}`);
      throw err;
    } finally {
      stopped = true;
      clearInterval(sampler);
      for (const client of live) client.destroy();
      await server.stop();
    }
  },
);
