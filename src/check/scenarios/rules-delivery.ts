/** Rules about who gets which room event, in which order: T1 to T5 and T13. */
import { request } from '../../protocol/tcd-request-text.js';
import type { CheckContext, Member } from '../context.js';
import { joinNotice } from '../describe.js';
import {
  allQuiet,
  collectChats,
  expectChat,
  expectHelo,
  expectLeaveNotice,
  expectLeft,
  isChat,
  mismatch,
} from '../expect.js';
import type { Check } from '../types.js';

async function pair(ctx: CheckContext): Promise<[Member, Member]> {
  const [a, b] = await ctx.group(ctx.room(), ['alice', 'bob']);
  if (a === undefined || b === undefined) throw new Error('group() returned too few members');
  return [a, b];
}

function say(m: Member, message: string): void {
  m.p.send(request.chat(m.roomRef, m.joinId, m.name, message));
}

/** T1: a CHAT goes to every member, the sender included. */
async function echo(ctx: CheckContext): Promise<void> {
  const [a, b] = await pair(ctx);
  say(a, 'echo check');
  await expectChat(a.p, a.roomRef, 'alice', 'echo check');
  await expectChat(b.p, a.roomRef, 'alice', 'echo check');
}

/**
 * T2: JOINED_CHATROOM reaches the joiner before any CHAT of the room, then the join notice to
 * every member. Joining while chats are in flight: the joiner sees JOINED, its notice, then
 * exactly the chats that follow the notice in an old member's view (T13).
 */
async function joinOrder(ctx: CheckContext): Promise<void> {
  const room = ctx.room();
  const [a] = await ctx.group(room, ['alice']);
  if (a === undefined) return;
  const bob = await ctx.probe('bob');
  const sent = [1, 2, 3, 4, 5].map((n) => `busy ${n}`);
  a.p.send(sent.map((m) => request.chat(a.roomRef, a.joinId, 'alice', m)).join(''));
  bob.send(request.join(room, 'bob'));
  const first = await bob.next(`JOINED_CHATROOM ${room} before any CHAT`);
  if (first.type !== 'joined') mismatch(bob, `JOINED_CHATROOM ${room} before any CHAT`, first);
  await expectChat(bob, a.roomRef, 'bob', joinNotice('bob'));
  // alice's view: her five chats with bob's notice somewhere among them.
  const seen = await collectChats(a.p, a.roomRef, 6, 'her five chats and the join notice');
  const at = seen.findIndex((c) => c.message === joinNotice('bob'));
  if (at === -1) mismatch(a.p, `the join notice for bob`, seen.map((c) => c.message).join(' | '));
  for (const chat of seen.slice(at + 1)) await expectChat(bob, a.roomRef, 'alice', chat.message);
  await bob.nothing('no chat sent before the join notice');
}

/** T3: LEFT_CHATROOM first, then the leave notice (leaver included); then nothing of the room. */
async function leaveOrder(ctx: CheckContext): Promise<void> {
  const [a, b] = await pair(ctx);
  b.p.send(request.leave(b.roomRef, b.joinId, 'bob'));
  await expectLeft(b.p, b.roomRef, b.joinId);
  await expectLeaveNotice(b.p, b.roomRef, 'bob');
  await expectLeaveNotice(a.p, a.roomRef, 'bob');
  say(a, 'after bob left');
  await expectChat(a.p, a.roomRef, 'alice', 'after bob left');
  await b.p.nothing('no CHAT of the room after leaving');
}

/** T3 under load: chats in flight while leaving arrive whole and before LEFT_CHATROOM, never after. */
async function leaveDuringFlood(ctx: CheckContext): Promise<void> {
  const [a, b] = await pair(ctx);
  const sent = Array.from({ length: 20 }, (_, i) => `flood ${i + 1} ${'x'.repeat(200)}`);
  a.p.send(sent.map((m) => request.chat(a.roomRef, a.joinId, 'alice', m)).join(''));
  b.p.send(request.leave(b.roomRef, b.joinId, 'bob'));
  let got = 0;
  for (;;) {
    const reply = await b.p.next('chats, then LEFT_CHATROOM');
    if (reply.type === 'left') break;
    const next = sent[got];
    if (next === undefined || !isChat(reply, a.roomRef, 'alice', next)) {
      const chat =
        next === undefined ? '' : `alice's chat "${next.slice(0, 8)}..." (whole, in order) or `;
      mismatch(b.p, `${chat}LEFT_CHATROOM`, reply);
    }
    got++;
  }
  await expectLeaveNotice(b.p, b.roomRef, 'bob');
  await collectChats(a.p, a.roomRef, sent.length + 1, 'her 20 chats and the leave notice');
  await b.p.nothing('no CHAT of the room after LEFT_CHATROOM and the notice');
}

/** T4: a repeated LEAVE gets the same LEFT_CHATROOM, no notice, no error; the connection stays. */
async function repeatedLeave(ctx: CheckContext): Promise<void> {
  const [a, b] = await pair(ctx);
  b.p.send(request.leave(b.roomRef, b.joinId, 'bob'));
  await expectLeft(b.p, b.roomRef, b.joinId);
  await expectLeaveNotice(b.p, b.roomRef, 'bob');
  await expectLeaveNotice(a.p, a.roomRef, 'bob');
  b.p.send(request.leave(b.roomRef, b.joinId, 'bob'));
  await expectLeft(b.p, b.roomRef, b.joinId);
  await allQuiet([a.p, b.p], 'no second leave notice for a repeated LEAVE (T4)');
  b.p.send('HELO after repeated leave\n');
  await expectHelo(b.p, 'after repeated leave');
}

/**
 * T5: a repeated JOIN gets the same ROOM_REF and JOIN_ID and no second membership. Whether the
 * join notice is sent again is the server's choice; a chat afterwards arrives exactly once.
 */
async function repeatedJoin(ctx: CheckContext): Promise<void> {
  const [a, b] = await pair(ctx);
  const room = ctx.room();
  b.p.send(request.join(room, 'bob'));
  const again = await b.p.next(`JOINED_CHATROOM ${room} again`);
  if (again.type !== 'joined' || again.roomRef !== b.roomRef || again.joinId !== b.joinId) {
    mismatch(
      b.p,
      `JOINED_CHATROOM ${room} (ROOM_REF ${b.roomRef}, JOIN_ID ${b.joinId}) again`,
      again,
    );
  }
  say(a, 'exactly once');
  for (const m of [a, b]) {
    let notices = 0;
    for (;;) {
      const reply = await m.p.next('the chat "exactly once"');
      if (isChat(reply, a.roomRef, 'alice', 'exactly once')) break;
      if (notices === 0 && isChat(reply, a.roomRef, 'bob', joinNotice('bob'))) notices++;
      else mismatch(m.p, `the chat "exactly once" (after at most one repeated join notice)`, reply);
    }
  }
  await allQuiet([a.p, b.p], 'no duplicate delivery');
}

/** T13: every member sees the room's events in one order, each sender's in the order sent. */
async function sameOrder(ctx: CheckContext): Promise<void> {
  const members = await ctx.group(ctx.room(), ['alice', 'bob', 'carol']);
  const [a, b] = members;
  if (a === undefined || b === undefined) return;
  const mine = (m: Member): string[] => [1, 2, 3, 4, 5].map((n) => `${m.name} ${n}`);
  for (const m of [a, b])
    m.p.send(
      mine(m)
        .map((t) => request.chat(m.roomRef, m.joinId, m.name, t))
        .join(''),
    );
  const views = await Promise.all(
    members.map((m) => collectChats(m.p, a.roomRef, 10, 'ten chats')),
  );
  const first = views[0]?.map((c) => c.message) ?? [];
  for (const [i, view] of views.entries()) {
    const order = view.map((c) => c.message);
    const p = members[i]?.p ?? a.p;
    if (order.join('|') !== first.join('|'))
      mismatch(p, `the order alice saw: ${first.join(', ')}`, order.join(', '));
    for (const m of [a, b]) {
      const own = order.filter((t) => t.startsWith(`${m.name} `));
      if (own.join('|') !== mine(m).join('|'))
        mismatch(p, `${m.name}'s chats in the order sent`, own.join(', '));
    }
  }
}

export const deliveryChecks: readonly Check[] = [
  { id: 'T1', title: 'echo to the sender', group: 'rules', run: echo },
  { id: 'T2', title: 'join order', group: 'rules', run: joinOrder },
  { id: 'T3', title: 'leave order', group: 'rules', run: leaveOrder },
  { id: 'T3', title: 'leave during a chat flood', group: 'rules', run: leaveDuringFlood },
  {
    id: 'T4',
    title: 'repeated LEAVE: LEFT_CHATROOM again, no second leave notice',
    group: 'rules',
    run: repeatedLeave,
  },
  { id: 'T5', title: 'repeated join', group: 'rules', run: repeatedJoin },
  { id: 'T13', title: 'same order for every member', group: 'rules', run: sameOrder },
];
