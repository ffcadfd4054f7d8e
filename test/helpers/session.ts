/** Steps most integration tests share: connect, join and read back the ids. */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from './frames.js';
import { WireClient } from './wire-client.js';

export interface Joined {
  readonly roomRef: number;
  readonly joinId: number;
}

/** Joins `room` as `name`, checks JOINED_CHATROOM and the joiner's own notice, returns the ids. */
export async function joinRoom(c: WireClient<Duplex>, room: string, name: string): Promise<Joined> {
  c.send(request.join(room, name));
  const reply = await c.nextReply();
  assert.equal(reply.type, 'joined', `expected JOINED_CHATROOM, got ${reply.raw}`);
  if (reply.type !== 'joined') throw new Error('unreachable');
  const joined = { roomRef: Number(reply.roomRef), joinId: Number(reply.joinId) };
  await c.expect(frame.joinedNotice(joined.roomRef, name));
  return joined;
}

export async function connectAll(port: number, n: number): Promise<WireClient[]> {
  return Promise.all(Array.from({ length: n }, () => WireClient.connect(port)));
}

/** Destructures a fixed number of clients without non-null assertions. */
export function pick<T>(items: readonly T[], n: number): T[] {
  assert.ok(items.length >= n);
  return items.slice(0, n);
}
