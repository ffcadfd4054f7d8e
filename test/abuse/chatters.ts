/**
 * Well-behaved clients that chat in one room while an abuse test runs. When stopped, each
 * sends a last marker chat, and the check is made from what they received: no error and no
 * closed connection; every chat of every chatter reached every chatter, each exactly once and
 * in the order sent (T1, T13, no gaps); and all of them saw the room's events in one order
 * (T13), the notices of abusers who joined the room included.
 */
import assert from 'node:assert/strict';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { EventClient } from '../helpers/event-log.js';
import { waitUntil } from '../helpers/wait.js';

export interface ChatterOptions {
  readonly count?: number;
  readonly room?: string;
  /** Each chatter sends one chat per interval. */
  readonly intervalMs?: number;
}

export interface ChatterReport {
  /** Chats sent by all chatters (markers included). */
  readonly sent: number;
  /** Chats received by all chatters and checked. */
  readonly delivered: number;
  /** Room events seen by every chatter (same sequence for all). */
  readonly roomEvents: number;
  readonly p99EchoMs: number;
  readonly maxEchoMs: number;
}

interface Chatter {
  readonly index: number;
  readonly name: string;
  readonly client: EventClient;
  /** Every reply, in arrival order. */
  readonly replies: TcdReply[];
  readonly sentAt: number[];
  readonly echoMs: number[];
  joinId: number;
  seq: number;
}

export interface Chatters {
  readonly room: string;
  readonly roomRef: number;
  /** Waits until every chatter has received at least `n` chats of the others (traffic is flowing). */
  flowing(n?: number, timeoutMs?: number): Promise<void>;
  /** Stops chatting, waits for everyone's marker, and checks what each chatter received. */
  stop(timeoutMs?: number): Promise<ChatterReport>;
  /** The MESSAGE of every room event the first chatter received (all saw the same, T13). */
  events(): string[];
  /** Closes every chatter connection (for cleanup; idempotent). */
  close(): void;
}

const MARKER = 'end';

/** A chatter's last chat (a chatter is named `chatter<n>`). */
function isMarker(reply: TcdReply | undefined): boolean {
  return (
    reply?.type === 'chat' && reply.message === MARKER && reply.clientName.startsWith('chatter')
  );
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function startChatters(port: number, o: ChatterOptions = {}): Promise<Chatters> {
  const count = o.count ?? 4;
  const room = o.room ?? 'calm';
  const intervalMs = o.intervalMs ?? 10;
  const chatters: Chatter[] = [];
  let roomRef = 0;
  try {
    for (let index = 0; index < count; index++) {
      const client = await EventClient.connect(port);
      const name = `chatter${index}`;
      const c: Chatter = {
        index,
        name,
        client,
        replies: [],
        sentAt: [],
        echoMs: [],
        joinId: 0,
        seq: 0,
      };
      chatters.push(c);
      client.onReply = (reply, at) => {
        c.replies.push(reply);
        if (reply.type === 'chat' && reply.clientName === name) {
          const seq = Number(/^(\d+)$/.exec(reply.message)?.[1] ?? NaN);
          const sentAt = c.sentAt[seq];
          if (sentAt !== undefined) c.echoMs.push(at - sentAt);
        }
      };
      const [joined] = await Promise.all([
        client.request(
          request.join(room, name),
          (r) => r.type === 'joined',
          5000,
          `${name} JOINED`,
        ),
        client.waitFor(
          (r) => r.type === 'chat' && r.message === `${name} has joined this chatroom.`,
          5000,
          `${name} join notice`,
        ),
      ]);
      if (joined.type !== 'joined') throw new Error('unreachable');
      roomRef = Number(joined.roomRef);
      c.joinId = Number(joined.joinId);
    }
  } catch (err) {
    for (const c of chatters) c.client.destroy();
    throw err;
  }

  const send = (c: Chatter, message: string): void => {
    c.sentAt.push(performance.now());
    c.client.send(request.chat(roomRef, c.joinId, c.name, message));
  };
  const timer = setInterval(() => {
    for (const c of chatters) send(c, String(c.seq++));
  }, intervalMs);

  /** The chats (not notices) `c` received from the chatter named `from`. */
  const chatsFrom = (c: Chatter, from: string): string[] => {
    const notice = `${from} has joined this chatroom.`;
    return c.replies.flatMap((r) =>
      r.type === 'chat' && r.clientName === from && r.message !== notice ? [r.message] : [],
    );
  };

  return {
    room,
    roomRef,
    async flowing(n = 20, timeoutMs = 5000) {
      await waitUntil(
        () => chatters.every((c) => c.replies.length >= n * count),
        'chatters receiving traffic',
        { timeoutMs },
      );
    },
    async stop(timeoutMs = 10_000) {
      clearInterval(timer);
      for (const c of chatters) send(c, MARKER);
      await waitUntil(
        () =>
          chatters.every((c) =>
            chatters.every((other) =>
              c.replies.some(
                (r) => r.type === 'chat' && r.clientName === other.name && r.message === MARKER,
              ),
            ),
          ),
        () =>
          `every chatter's marker at every chatter; closed: ${
            chatters
              .filter((c) => c.client.closed)
              .map((c) => c.name)
              .join(',') || 'none'
          }`,
        { timeoutMs },
      );
      let delivered = 0;
      for (const c of chatters) {
        assert.equal(c.client.closed, false, `${c.name} was disconnected`);
        const bad = c.replies.filter((r) => r.type !== 'chat' && r.type !== 'joined');
        assert.deepEqual(
          bad.map((r) => r.raw),
          [],
          `${c.name} received errors or unexpected frames (T12)`,
        );
        for (const other of chatters) {
          // Every chat of `other`, once each, in the order sent, then its marker: no gaps.
          const expected = [...Array.from({ length: other.seq }, (_, i) => String(i)), MARKER];
          const got = chatsFrom(c, other.name);
          assert.deepEqual(
            got,
            expected,
            `${c.name} received ${other.name}'s chats with a gap or out of order`,
          );
          delivered += got.length;
        }
      }
      // T13: from the last chatter's join notice to the last marker, every chatter saw the
      // same room events. (Past the markers, others' traffic, a throttled flooder's say, may
      // still be arriving, so the chatters may not have read as far as one another.)
      const lastJoin = `${chatters[chatters.length - 1]?.name ?? ''} has joined this chatroom.`;
      const events = chatters.map((c) => {
        const chats = c.replies.filter((r) => r.type === 'chat' && r.roomRef === String(roomRef));
        const from = chats.findIndex((r) => r.type === 'chat' && r.message === lastJoin);
        let to = chats.length - 1;
        while (to >= 0 && !isMarker(chats[to])) to--;
        return chats.slice(from, to + 1).map((r) => r.raw);
      });
      for (const seq of events.slice(1)) {
        assert.ok(
          seq.length === events[0]?.length && seq.every((raw, i) => raw === events[0]?.[i]),
          'chatters saw the room events in different orders (T13)',
        );
      }
      const echo = chatters.flatMap((c) => c.echoMs);
      return {
        sent: chatters.reduce((n, c) => n + c.seq + 1, 0),
        delivered,
        roomEvents: events[0]?.length ?? 0,
        p99EchoMs: Math.round(percentile(echo, 99)),
        maxEchoMs: Math.round(percentile(echo, 100)),
      };
    },
    events() {
      return (chatters[0]?.replies ?? []).flatMap((r) => (r.type === 'chat' ? [r.message] : []));
    },
    close() {
      clearInterval(timer);
      for (const c of chatters) c.client.destroy();
    },
  };
}
