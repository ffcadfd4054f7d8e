/**
 * T12: errors answer bad requests with ERROR_CODE and the connection stays usable. Codes 1
 * (invalid format) and 2 (no such ROOM_REF) keep the 000 seed's meaning and are required;
 * for an unknown JOIN_ID any code passes (3, unknown user, is the seed's, but servers that
 * check ownership first answer with their own).
 */
import { request } from '../../protocol/tcd-request-text.js';
import type { CheckContext } from '../context.js';
import { expectChat, expectError, expectUsable } from '../expect.js';
import type { Check } from '../types.js';

/** A ROOM_REF or JOIN_ID no server of this protocol will have issued. */
const never = '987654321';

async function unknownRequest(ctx: CheckContext): Promise<void> {
  const p = await ctx.probe('bad');
  p.send('NONSENSE\n\n');
  await expectError(p, 'an unknown request', [1]);
  await expectUsable(p);
}

async function malformedRef(ctx: CheckContext): Promise<void> {
  const m = await ctx.join(await ctx.probe('bad'), ctx.room(), 'bad');
  m.p.send(request.chat('not-a-number', m.joinId, 'bad', 'x'));
  await expectError(m.p, 'a CHAT whose ROOM_REF is not a number', [1]);
  m.p.send(request.chat(m.roomRef, m.joinId, 'bad', 'still here'));
  await expectChat(m.p, m.roomRef, 'bad', 'still here');
}

async function unknownRef(ctx: CheckContext): Promise<void> {
  const m = await ctx.join(await ctx.probe('bad'), ctx.room(), 'bad');
  m.p.send(request.chat(never, m.joinId, 'bad', 'x'));
  await expectError(m.p, `a CHAT to ROOM_REF ${never}, never issued`, [2]);
  m.p.send(request.chat(m.roomRef, m.joinId, 'bad', 'still here'));
  await expectChat(m.p, m.roomRef, 'bad', 'still here');
}

async function unknownJoinId(ctx: CheckContext): Promise<void> {
  const m = await ctx.join(await ctx.probe('bad'), ctx.room(), 'bad');
  m.p.send(request.chat(m.roomRef, never, 'bad', 'x'));
  await expectError(m.p, `a CHAT with JOIN_ID ${never}, never issued`);
  await m.p.nothing('no chat from an unknown JOIN_ID');
  await expectUsable(m.p);
}

export const errorChecks: readonly Check[] = [
  {
    id: 'T12',
    title: 'unknown request: error 1, connection usable',
    group: 'errors',
    run: unknownRequest,
  },
  { id: 'T12', title: 'malformed ROOM_REF: error 1', group: 'errors', run: malformedRef },
  { id: 'T12', title: 'unknown ROOM_REF: error 2', group: 'errors', run: unknownRef },
  { id: 'T12', title: 'unknown JOIN_ID: error', group: 'errors', run: unknownJoinId },
];
