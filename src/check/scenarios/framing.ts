/**
 * T11, tolerant input: the same requests split across segments, one byte at a time,
 * pipelined, with CRLF, `KEY:value`, extra spaces, keys reordered, a multi-line MESSAGE,
 * UTF-8 cut mid-character, and a JOIN whose final newline never comes.
 */
import { request } from '../../protocol/tcd-request-text.js';
import type { CheckContext, Member } from '../context.js';
import {
  expectChat,
  expectHelo,
  expectJoined,
  expectJoinNotice,
  expectLeaveNotice,
  expectLeft,
} from '../expect.js';
import type { Probe } from '../probe.js';
import type { Check } from '../types.js';

/** Sends a JOIN written by `write`, then expects JOINED and the notice; returns the membership. */
async function joinWith(
  ctx: CheckContext,
  p: Probe,
  name: string,
  write: (room: string) => Promise<void> | void,
): Promise<Member> {
  const room = ctx.room();
  await write(room);
  const joined = await expectJoined(p, room);
  await expectJoinNotice(p, joined.roomRef, name);
  return { ...joined, p, name };
}

async function split(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('split');
  const m = await joinWith(ctx, p, 'split', (room) =>
    // Cut inside a key, inside a value, and between the last field and its newline.
    p.sendInPieces(
      request.join(room, 'split'),
      [8, 22, 40, request.join(room, 'split').length - 1],
      20,
    ),
  );
  const chat = request.chat(m.roomRef, m.joinId, 'split', 'in pieces');
  await p.sendInPieces(chat, [5, chat.length - 1], 20); // the closing blank line alone
  await expectChat(p, m.roomRef, 'split', 'in pieces');
}

async function byteByByte(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('bytes');
  const m = await joinWith(ctx, p, 'bytes', (room) =>
    p.sendByteByByte(request.join(room, 'bytes')),
  );
  await p.sendByteByByte(request.chat(m.roomRef, m.joinId, 'bytes', 'one at a time'));
  await expectChat(p, m.roomRef, 'bytes', 'one at a time');
}

async function pipelined(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('pipe');
  const m = await ctx.join(p, ctx.room(), 'pipe');
  const r = (text: string): string => request.chat(m.roomRef, m.joinId, 'pipe', text);
  p.send(
    `HELO pipelined\n${r('first')}${r('second')}${request.leave(m.roomRef, m.joinId, 'pipe')}${request.join(ctx.room(), 'pipe')}`,
  );
  await expectHelo(p, 'pipelined');
  await expectChat(p, m.roomRef, 'pipe', 'first');
  await expectChat(p, m.roomRef, 'pipe', 'second');
  await expectLeft(p, m.roomRef, m.joinId);
  await expectLeaveNotice(p, m.roomRef, 'pipe');
  // T7: the room emptied with the LEAVE and may have a new ref now: take the one JOINED gives.
  const again = await expectJoined(p, ctx.room());
  await expectJoinNotice(p, again.roomRef, 'pipe');
}

async function crlf(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('crlf');
  const lf2crlf = (text: string): string => text.replace(/\n/g, '\r\n');
  p.send(lf2crlf('HELO crlf\n'));
  await expectHelo(p, 'crlf');
  const m = await joinWith(ctx, p, 'crlf', (room) => p.send(lf2crlf(request.join(room, 'crlf'))));
  p.send(lf2crlf(request.chat(m.roomRef, m.joinId, 'crlf', 'crlf message')));
  await expectChat(p, m.roomRef, 'crlf', 'crlf message');
  p.send(lf2crlf(request.leave(m.roomRef, m.joinId, 'crlf')));
  await expectLeft(p, m.roomRef, m.joinId);
}

/** Rewrites every `KEY: value` line of a request with `sep` after the colon. */
function respace(text: string, sep: string): string {
  return text.replace(/^([A-Z_]+): /gm, `$1:${sep}`);
}

function spacing(sep: string, label: string) {
  return async (ctx: CheckContext): Promise<void> => {
    const p = await ctx.probe(label);
    const m = await joinWith(ctx, p, label, (room) =>
      p.send(respace(request.join(room, label), sep)),
    );
    p.send(respace(request.chat(m.roomRef, m.joinId, label, 'spacing'), sep));
    await expectChat(p, m.roomRef, label, 'spacing');
    p.send(respace(request.leave(m.roomRef, m.joinId, label), sep));
    await expectLeft(p, m.roomRef, m.joinId);
  };
}

async function anyOrder(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('order');
  const m = await joinWith(ctx, p, 'order', (room) =>
    p.send(`JOIN_CHATROOM: ${room}\nCLIENT_NAME: order\nPORT: 0\nCLIENT_IP: 0\n`),
  );
  p.send(`CHAT: ${m.roomRef}\nCLIENT_NAME: order\nJOIN_ID: ${m.joinId}\nMESSAGE: reordered\n\n`);
  await expectChat(p, m.roomRef, 'order', 'reordered');
  p.send(`LEAVE_CHATROOM: ${m.roomRef}\nCLIENT_NAME: order\nJOIN_ID: ${m.joinId}\n`);
  await expectLeft(p, m.roomRef, m.joinId);
}

async function multiLine(ctx: CheckContext): Promise<void> {
  const [a, b] = await ctx.group(ctx.room(), ['alice', 'bob']);
  if (a === undefined || b === undefined) return;
  const text = 'line one\nline two\n  line three, indented';
  a.p.send(request.chat(a.roomRef, a.joinId, 'alice', text));
  for (const m of [a, b]) await expectChat(m.p, a.roomRef, 'alice', text);
}

async function utf8Split(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('utf8');
  const m = await ctx.join(p, ctx.room(), 'utf8');
  const text = 'grüße ✓ 🎉 ünïcödé';
  const wire = Buffer.from(request.chat(m.roomRef, m.joinId, 'utf8', text));
  const start = wire.indexOf(Buffer.from('MESSAGE: ')) + 9;
  // Cut after the first byte of 'ü', inside '✓' and twice inside the emoji.
  const inText = [3, 10, 13, 15].map((n) => start + n);
  await p.sendInPieces(wire, inText, 15);
  await expectChat(p, m.roomRef, 'utf8', text);
}

async function noFinalNewline(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('quiet');
  // The JOIN's last line has no newline: it counts once the connection goes quiet.
  await joinWith(ctx, p, 'quiet', (room) => p.send(request.join(room, 'quiet').slice(0, -1)));
  p.send('\nHELO after\n');
  await expectHelo(p, 'after');
}

export const framingChecks: readonly Check[] = [
  { id: 'T11', title: 'requests split across segments', group: 'framing', run: split },
  { id: 'T11', title: 'one byte per segment', group: 'framing', run: byteByByte },
  { id: 'T11', title: 'pipelined requests', group: 'framing', run: pipelined },
  { id: 'T11', title: 'CRLF line ends', group: 'framing', run: crlf },
  { id: 'T11', title: 'KEY:value without a space', group: 'framing', run: spacing('', 'nospace') },
  {
    id: 'T11',
    title: 'several spaces after the colon',
    group: 'framing',
    run: spacing('   ', 'spaces'),
  },
  { id: 'T11', title: 'keys in any order', group: 'framing', run: anyOrder },
  { id: 'T11', title: 'multi-line MESSAGE intact', group: 'framing', run: multiLine },
  { id: 'T11', title: 'UTF-8 split mid-character', group: 'framing', run: utf8Split },
  { id: 'T11', title: 'JOIN without its final newline', group: 'framing', run: noFinalNewline },
];
