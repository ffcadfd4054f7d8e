/**
 * The expectations checks are made of. Each takes the probe's next reply and fails with
 * `expected ..., got ...`; where the protocol leaves a choice (the ids' values, T7) any
 * reasonable answer passes.
 */
import type { TcdReply } from '../protocol/tcd-reply.js';
import { describeChat, describeReply, joinNotice, leaveNotice } from './describe.js';
import type { Probe } from './probe.js';
import { fail } from './types.js';

export interface Joined {
  readonly roomRef: string;
  readonly joinId: string;
}

/** T7: ROOM_REF and JOIN_ID are non-negative integers. */
const isId = (text: string): boolean => /^\d+$/.test(text);

export function mismatch(p: Probe, what: string, got: TcdReply | string): never {
  const shown = typeof got === 'string' ? got : describeReply(got);
  return fail(`${p.label}: expected ${what}, got ${shown}`);
}

export async function expectJoined(p: Probe, room: string): Promise<Joined> {
  const what = `JOINED_CHATROOM ${JSON.stringify(room)}`;
  const reply = await p.next(what);
  if (reply.type !== 'joined' || reply.room !== room) mismatch(p, what, reply);
  if (!isId(reply.roomRef) || !isId(reply.joinId)) {
    mismatch(p, `${what} with integer ROOM_REF and JOIN_ID (T7)`, reply);
  }
  return { roomRef: reply.roomRef, joinId: reply.joinId };
}

export async function expectChat(
  p: Probe,
  roomRef: string,
  from: string,
  message: string,
): Promise<void> {
  const what = describeChat(roomRef, from, message);
  const reply = await p.next(what);
  if (!isChat(reply, roomRef, from, message)) mismatch(p, what, reply);
}

export function expectJoinNotice(p: Probe, roomRef: string, name: string): Promise<void> {
  return expectChat(p, roomRef, name, joinNotice(name));
}

export function expectLeaveNotice(p: Probe, roomRef: string, name: string): Promise<void> {
  return expectChat(p, roomRef, name, leaveNotice(name));
}

export async function expectLeft(p: Probe, roomRef: string, joinId: string): Promise<void> {
  const what = `LEFT_CHATROOM ${roomRef} (JOIN_ID ${joinId})`;
  const reply = await p.next(what);
  if (reply.type !== 'left' || reply.roomRef !== roomRef || reply.joinId !== joinId) {
    mismatch(p, what, reply);
  }
}

/** An ERROR_CODE reply; with `codes`, one of those codes (T12). */
export async function expectError(
  p: Probe,
  what: string,
  codes?: readonly number[],
): Promise<number> {
  const wanted = codes === undefined ? 'ERROR_CODE' : `ERROR_CODE ${codes.join(' or ')}`;
  const full = `${wanted} for ${what}`;
  const reply = await p.next(full);
  if (reply.type !== 'error' || !Number.isInteger(reply.code)) mismatch(p, full, reply);
  if (codes !== undefined && !codes.includes(reply.code)) mismatch(p, full, reply);
  return reply.code;
}

/** HELO's reply to `HELO <text>` (T9: the text is echoed whole). */
export async function expectHelo(p: Probe, text: string): Promise<ReadonlyMap<string, string>> {
  const what = `HELO reply starting ${JSON.stringify(`HELO ${text}`)}`;
  const reply = await p.next(what);
  if (reply.type !== 'helo' || !reply.raw.startsWith(`HELO ${text}\n`)) mismatch(p, what, reply);
  for (const key of ['IP', 'Port', 'StudentID']) {
    if (!reply.fields.has(key)) mismatch(p, `${what} with an ${key}: line`, reply);
  }
  return reply.fields;
}

/** The connection is still usable after an error (T12): HELO gets its answer. */
export async function expectUsable(p: Probe): Promise<void> {
  p.send('HELO still there\n');
  await expectHelo(p, 'still there');
}

export function isChat(reply: TcdReply, roomRef: string, from: string, message: string): boolean {
  return (
    reply.type === 'chat' &&
    reply.roomRef === roomRef &&
    reply.clientName === from &&
    reply.message === message
  );
}

/** Chats in the order received until `count` have come; anything else fails. */
export async function collectChats(
  p: Probe,
  roomRef: string,
  count: number,
  what: string,
): Promise<Array<Extract<TcdReply, { type: 'chat' }>>> {
  const got: Array<Extract<TcdReply, { type: 'chat' }>> = [];
  while (got.length < count) {
    const reply = await p.next(`${what} (${got.length} of ${count} so far)`);
    if (reply.type !== 'chat' || reply.roomRef !== roomRef) mismatch(p, what, reply);
    got.push(reply);
  }
  return got;
}

/**
 * A reply a rule forbids but a scenario lets pass (at most once, where `tolerated` allows):
 * the course scenario accepts what the course's test service accepted, and the rule's own
 * check keeps the strict reading.
 */
export type Tolerated = (reply: TcdReply) => boolean;

/** Like expectChat, but one reply `tolerated` accepts may come first. */
export async function expectChatTolerating(
  p: Probe,
  roomRef: string,
  from: string,
  message: string,
  tolerated: Tolerated,
): Promise<void> {
  const what = describeChat(roomRef, from, message);
  let reply = await p.next(what);
  if (!isChat(reply, roomRef, from, message) && tolerated(reply)) reply = await p.next(what);
  if (!isChat(reply, roomRef, from, message)) mismatch(p, what, reply);
}

/** Like p.nothing(), but one reply `tolerated` accepts may come first. */
export async function nothingTolerating(
  p: Probe,
  tolerated: Tolerated,
  what: string,
): Promise<void> {
  const reply = await p.maybeNext();
  if (reply === undefined) return;
  if (!tolerated(reply)) mismatch(p, what, reply);
  await p.nothing(what);
}

/** Several probes watched for the same quiet window at once. */
export async function allQuiet(probes: readonly Probe[], what?: string): Promise<void> {
  await Promise.all(probes.map((p) => p.nothing(what)));
}
