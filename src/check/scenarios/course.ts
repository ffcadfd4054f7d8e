/**
 * The course test service's scenario (the handout's grader): HELO BASE_TEST, client1..client4
 * across room1 and room2, join notices, chats, a leave and a repeated leave, and the notices
 * of a disconnect. Byte-exact like test/integration/test-service.test.ts, except that the
 * ids' values are the server's choice (T7) and the rooms carry this run's suffix; and it
 * passes what the service passed: servers it scored full marks send the leave notice again
 * on the repeated leave, which T4 forbids and the T4 check alone reports.
 */
import type { TcdReply } from '../../protocol/tcd-reply.js';
import { request } from '../../protocol/tcd-request-text.js';
import type { CheckContext } from '../context.js';
import { leaveNotice } from '../describe.js';
import {
  expectChat,
  expectChatTolerating,
  expectHelo,
  expectJoinNotice,
  expectLeaveNotice,
  expectLeft,
  isChat,
  mismatch,
  nothingTolerating,
} from '../expect.js';
import type { Check } from '../types.js';

async function courseScenario(ctx: CheckContext): Promise<void> {
  const room1 = ctx.room('room1');
  const room2 = ctx.room('room2');
  const c1 = await ctx.probe('client1');
  c1.send('HELO BASE_TEST\n');
  await expectHelo(c1, 'BASE_TEST');

  const [m1, m2] = await ctx.group(room1, ['client1', 'client2']);
  const [m3, m4] = await ctx.group(room2, ['client3', 'client4']);
  if (!m1 || !m2 || !m3 || !m4) throw new Error('group() returned too few members');
  if (m1.roomRef === m3.roomRef)
    mismatch(m3.p, `a ROOM_REF other than room1's ${m1.roomRef}`, m3.roomRef);
  const c2 = m2.p;
  const c3 = m3.p;
  const c4 = m4.p;
  const a = m1.p;

  // client1 also joins room2: same JOIN_ID (T7), notice to every member.
  a.send(request.join(room2, 'client1'));
  const again = await a.next(`JOINED_CHATROOM ${room2}`);
  if (again.type !== 'joined' || again.roomRef !== m3.roomRef || again.joinId !== m1.joinId) {
    mismatch(a, `JOINED_CHATROOM ${room2} (ROOM_REF ${m3.roomRef}, JOIN_ID ${m1.joinId})`, again);
  }
  for (const p of [a, c3, c4]) await expectJoinNotice(p, m3.roomRef, 'client1');
  const ids = new Set([m1.joinId, m2.joinId, m3.joinId, m4.joinId]);
  if (ids.size !== 4) mismatch(c4, 'four different JOIN_IDs', [...ids].join(', '));

  a.send(request.chat(m1.roomRef, m1.joinId, 'client1', 'hello world from client 1'));
  for (const p of [a, c2]) await expectChat(p, m1.roomRef, 'client1', 'hello world from client 1');
  c3.send(request.chat(m3.roomRef, m3.joinId, 'client3', 'hello world from client 3'));
  for (const p of [a, c3, c4])
    await expectChat(p, m3.roomRef, 'client3', 'hello world from client 3');

  c2.send(request.leave(m2.roomRef, m2.joinId, 'client2'));
  await expectLeft(c2, m2.roomRef, m2.joinId);
  await expectLeaveNotice(c2, m2.roomRef, 'client2');
  await expectLeaveNotice(a, m1.roomRef, 'client2');
  c2.send(request.leave(m2.roomRef, m2.joinId, 'client2'));
  await expectLeft(c2, m2.roomRef, m2.joinId);
  // T4 says no notice for the repeated leave; the service accepted one more, to the leaver,
  // to the room, or both. Accepted here once each; the T4 check fails it.
  const repeated = (r: TcdReply): boolean =>
    isChat(r, m1.roomRef, 'client2', leaveNotice('client2'));

  a.send(request.chat(m1.roomRef, m1.joinId, 'client1', 'after the leave'));
  await expectChatTolerating(a, m1.roomRef, 'client1', 'after the leave', repeated);

  a.send(request.disconnect('client1'));
  const refs = [m1.roomRef, m3.roomRef].sort((x, y) => Number(x) - Number(y));
  for (const ref of refs) await expectLeaveNotice(a, ref, 'client1'); // T6: ascending ROOM_REF
  const extra = await a.expectClosed('the connection closed after the leave notices');
  if (extra[0] !== undefined) mismatch(a, 'nothing after the leave notices', extra[0]);
  for (const p of [c3, c4]) await expectLeaveNotice(p, m3.roomRef, 'client1');
  await Promise.all([
    nothingTolerating(c2, repeated, 'nothing more (a second leave notice at most)'),
    c3.nothing(),
    c4.nothing(),
  ]);
}

export const courseChecks: readonly Check[] = [
  { id: 'course', title: 'test-service scenario', group: 'course', run: courseScenario },
];
