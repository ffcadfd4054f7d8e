/** Rules about connections and identifiers: T6 to T10. */
import { request } from '../../protocol/tcd-request-text.js';
import type { CheckContext } from '../context.js';
import {
  expectChat,
  expectError,
  expectHelo,
  expectJoinNotice,
  expectLeaveNotice,
  expectLeft,
  mismatch,
} from '../expect.js';
import type { Check } from '../types.js';

/** T6: DISCONNECT sends the leave notices, ascending ROOM_REF, then closes; nothing else. */
async function disconnectNotices(ctx: CheckContext): Promise<void> {
  const [a, b] = await ctx.group(ctx.room('a'), ['alice', 'bob']);
  if (a === undefined || b === undefined) return;
  const inB = await ctx.join(a.p, ctx.room('b'), 'alice');
  const [c] = await ctx.group(ctx.room('b'), ['carol']);
  if (c === undefined) return;
  await expectJoinNotice(a.p, inB.roomRef, 'carol');
  a.p.send(request.disconnect('alice'));
  const refs = [a.roomRef, inB.roomRef].sort((x, y) => Number(x) - Number(y));
  for (const ref of refs) await expectLeaveNotice(a.p, ref, 'alice');
  const extra = await a.p.expectClosed('the connection closed after the leave notices');
  if (extra[0] !== undefined) mismatch(a.p, 'nothing after the leave notices', extra[0]);
  await expectLeaveNotice(b.p, a.roomRef, 'alice');
  await expectLeaveNotice(c.p, inB.roomRef, 'alice');
}

/** T6: a connection that just closes is treated like a DISCONNECT: its rooms get the notice. */
async function droppedConnection(ctx: CheckContext): Promise<void> {
  const [a, b] = await ctx.group(ctx.room(), ['alice', 'bob']);
  if (a === undefined || b === undefined) return;
  a.p.destroy();
  await expectLeaveNotice(b.p, b.roomRef, 'alice');
}

/**
 * T7: one ROOM_REF per room name, the same for everyone while the room has members, and never
 * given to another name. An emptied room may be forgotten: joined again it may get a new ref,
 * but never one another name has had, and its old ref does not go to a new name.
 */
async function roomRefStable(ctx: CheckContext): Promise<void> {
  const [a, b] = await ctx.group(ctx.room('x'), ['alice', 'bob']);
  if (a === undefined || b === undefined) return;
  if (a.roomRef !== b.roomRef) mismatch(b.p, `alice's ROOM_REF ${a.roomRef}`, b.roomRef);
  const y = await ctx.join(a.p, ctx.room('y'), 'alice');
  if (y.roomRef === a.roomRef)
    mismatch(a.p, `a ROOM_REF other than ${a.roomRef} for another room`, y.roomRef);
  const [keeper] = await ctx.group(ctx.room('y'), ['yvonne']); // room y keeps members
  for (const m of [a, b]) m.p.destroy();
  if (keeper !== undefined) await expectLeaveNotice(keeper.p, keeper.roomRef, 'alice');
  const [c] = await ctx.group(ctx.room('x'), ['carol']);
  if (c !== undefined && c.roomRef === y.roomRef) {
    mismatch(c.p, `a ROOM_REF other than ${y.roomRef}, which is room y's`, c.roomRef);
  }
  if (keeper === undefined) return;
  const z = await ctx.join(keeper.p, ctx.room('z'), 'yvonne');
  const taken = [a.roomRef, y.roomRef, ...(c === undefined ? [] : [c.roomRef])];
  if (taken.includes(z.roomRef)) {
    mismatch(keeper.p, `a ROOM_REF for a new room, not one of ${taken.join(', ')}`, z.roomRef);
  }
}

/** T7: a JOIN_ID per connection: the same in all its rooms, never another's, never reused. */
async function joinIdPerConnection(ctx: CheckContext): Promise<void> {
  const [a, b] = await ctx.group(ctx.room('x'), ['alice', 'bob']);
  if (a === undefined || b === undefined) return;
  const y = await ctx.join(a.p, ctx.room('y'), 'alice');
  if (y.joinId !== a.joinId) mismatch(a.p, `JOIN_ID ${a.joinId} in her second room too`, y.joinId);
  if (b.joinId === a.joinId) mismatch(b.p, `a JOIN_ID other than alice's ${a.joinId}`, b.joinId);
  b.p.destroy();
  await expectLeaveNotice(a.p, a.roomRef, 'bob');
  const carol = await ctx.join(await ctx.probe('carol'), ctx.room('z'), 'carol');
  if ([a.joinId, b.joinId].includes(carol.joinId)) {
    mismatch(carol.p, `a JOIN_ID never used before (not ${a.joinId} or ${b.joinId})`, carol.joinId);
  }
}

/** T8: CHAT with another connection's JOIN_ID is refused; nobody receives it. */
async function chatAsOther(ctx: CheckContext): Promise<void> {
  const [a, m] = await ctx.group(ctx.room(), ['alice', 'mallory']);
  if (a === undefined || m === undefined) return;
  m.p.send(request.chat(a.roomRef, a.joinId, 'alice', 'spoofed'));
  await expectError(m.p, "a CHAT with alice's JOIN_ID");
  await a.p.nothing('no spoofed chat');
  m.p.send(request.chat(m.roomRef, m.joinId, 'mallory', 'my own'));
  for (const p of [a.p, m.p]) await expectChat(p, a.roomRef, 'mallory', 'my own');
}

/** T8: LEAVE with another connection's JOIN_ID is refused; the owner stays in the room. */
async function leaveAsOther(ctx: CheckContext): Promise<void> {
  const [a, m] = await ctx.group(ctx.room(), ['alice', 'mallory']);
  if (a === undefined || m === undefined) return;
  m.p.send(request.leave(a.roomRef, a.joinId, 'alice'));
  await expectError(m.p, "a LEAVE with alice's JOIN_ID");
  m.p.send(request.chat(m.roomRef, m.joinId, 'mallory', 'still there?'));
  await expectChat(a.p, a.roomRef, 'mallory', 'still there?');
}

/** T8: CLIENT_NAME is a handle: two connections with one name are routed separately. */
async function sameName(ctx: CheckContext): Promise<void> {
  const one = await ctx.join(await ctx.probe('twin-1'), ctx.room('a'), 'twin');
  const two = await ctx.join(await ctx.probe('twin-2'), ctx.room('b'), 'twin');
  if (one.joinId === two.joinId) mismatch(two.p, `a JOIN_ID other than ${one.joinId}`, two.joinId);
  one.p.send(request.chat(one.roomRef, one.joinId, 'twin', 'for room a'));
  await expectChat(one.p, one.roomRef, 'twin', 'for room a');
  await two.p.nothing("no chat of the other twin's room");
  two.p.send(request.leave(two.roomRef, two.joinId, 'twin'));
  await expectLeft(two.p, two.roomRef, two.joinId);
  await expectLeaveNotice(two.p, two.roomRef, 'twin');
  await one.p.nothing("no notice of the other twin's room");
}

/** T9: `HELO <text>` echoes the whole text; IP, Port and StudentID as `KEY:value`. */
async function helo(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('helo');
  const text = 'conformance  check, with spaces';
  const mark = p.mark();
  p.send(`HELO ${text}\n`);
  const fields = await expectHelo(p, text);
  await p.nothing();
  const raw = p.rawSince(mark);
  const shape = new RegExp(`^HELO ${escape(text)}\\nIP:\\S+\\nPort:\\d+\\nStudentID:[^\\n]*\\n$`);
  if (!shape.test(raw))
    mismatch(
      p,
      'HELO <text>\\nIP:<ip>\\nPort:<port>\\nStudentID:<id>\\n exactly',
      JSON.stringify(raw),
    );
  if (fields.get('Port') !== String(ctx.settings.port)) {
    mismatch(
      p,
      `Port:${ctx.settings.port} (the port connected to)`,
      `Port:${fields.get('Port') ?? ''}`,
    );
  }
  if (/^::ffff:\d/.test(fields.get('IP') ?? ''))
    mismatch(p, 'an IP without the ::ffff: prefix', `IP:${fields.get('IP') ?? ''}`);
}

/** T10: `KEY: value` with one space; CHAT ends with a blank line, the others with one newline. */
async function outputFormat(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('format');
  const room = ctx.room();
  const look = async (
    what: string,
    send: string,
    replies: number,
    shape: RegExp,
  ): Promise<void> => {
    const mark = p.mark();
    p.send(send);
    for (let i = 0; i < replies; i++) await p.next(what);
    await p.nothing();
    const raw = p.rawSince(mark);
    if (!shape.test(raw)) mismatch(p, `${what} exactly`, JSON.stringify(raw));
  };
  const notice = (verb: string): string =>
    `CHAT: (\\d+)\\nCLIENT_NAME: fmt\\nMESSAGE: fmt has ${verb} this chatroom\\.\\n\\n`;
  await look(
    'JOINED_CHATROOM then the join notice',
    request.join(room, 'fmt'),
    2,
    new RegExp(
      `^JOINED_CHATROOM: ${escape(room)}\\nSERVER_IP: \\S+\\nPORT: \\d+\\nROOM_REF: \\d+\\nJOIN_ID: \\d+\\n${notice('joined')}$`,
    ),
  );
  const m = /ROOM_REF: (\d+)\nJOIN_ID: (\d+)/.exec(p.rawSince(0));
  const [ref, id] = [m?.[1] ?? '', m?.[2] ?? ''];
  await look(
    'the CHAT frame',
    request.chat(ref, id, 'fmt', 'format'),
    1,
    /^CHAT: \d+\nCLIENT_NAME: fmt\nMESSAGE: format\n\n$/,
  );
  await look(
    'LEFT_CHATROOM then the leave notice',
    request.leave(ref, id, 'fmt'),
    2,
    new RegExp(`^LEFT_CHATROOM: ${ref}\\nJOIN_ID: ${id}\\n${notice('left')}$`),
  );
  await look('ERROR_CODE', 'NONSENSE\n\n', 1, /^ERROR_CODE: \d+\nERROR_DESCRIPTION: [^\n]*\n$/);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const sessionChecks: readonly Check[] = [
  { id: 'T6', title: 'DISCONNECT notices, then close', group: 'rules', run: disconnectNotices },
  { id: 'T6', title: 'dropped connection notices', group: 'rules', run: droppedConnection },
  { id: 'T7', title: 'ROOM_REF stable per room name', group: 'rules', run: roomRefStable },
  {
    id: 'T7',
    title: 'JOIN_ID per connection, never reused',
    group: 'rules',
    run: joinIdPerConnection,
  },
  { id: 'T8', title: "CHAT with another's JOIN_ID refused", group: 'rules', run: chatAsOther },
  { id: 'T8', title: "LEAVE with another's JOIN_ID refused", group: 'rules', run: leaveAsOther },
  { id: 'T8', title: 'same CLIENT_NAME routed separately', group: 'rules', run: sameName },
  { id: 'T9', title: 'HELO reply', group: 'rules', run: helo },
  { id: 'T10', title: 'reply format', group: 'rules', run: outputFormat },
];
