/**
 * The hub of `--workers` (src/cluster/room-hub.ts, hub-wire.ts) against what a worker could
 * do to it: frames of any size however cut, a frame that makes no sense, a JOIN served after
 * its connection left everything, and what the hub keeps of a room once nobody needs it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { isPromise, type Awaitable } from '../../src/bus/bus.js';
import { HubRooms } from '../../src/cluster/hub-rooms.js';
import { FrameKind, FrameReader, frame } from '../../src/cluster/hub-wire.js';
import { RoomHub } from '../../src/cluster/room-hub.js';

const settle = async <T>(value: Awaitable<T>): Promise<T> => (isPromise(value) ? value : value);

let hubs = 0;
async function startHub(t: { after(fn: () => Promise<void> | void): void }): Promise<{
  hub: RoomHub;
  path: string;
  worker: () => Promise<HubRooms>;
}> {
  const path = join(tmpdir(), `roomcast-hub-test-${process.pid}-${++hubs}.sock`);
  rmSync(path, { force: true });
  const hub = new RoomHub(pino({ level: 'silent' }));
  await hub.listen(path);
  const workers: HubRooms[] = [];
  t.after(async () => {
    for (const w of workers) await w.close();
    await hub.close();
    rmSync(path, { force: true });
  });
  return {
    hub,
    path,
    worker: async () => {
      const w = await HubRooms.connect(path, () => {});
      w.subscribe({ event: () => {}, lost: () => {} });
      workers.push(w);
      return w;
    },
  };
}

test('FrameReader: one 8 MiB frame in 64 KiB chunks, and small frames cut at every byte', () => {
  const got: [number, number][] = [];
  const reader = new FrameReader((kind, payload) => got.push([kind, payload.length]));
  const big = frame(FrameKind.events, Buffer.alloc(8 * 1024 * 1024, 7));
  for (let at = 0; at < big.length; at += 65_536) {
    assert.ok(reader.push(big.subarray(at, at + 65_536)));
  }
  assert.deepEqual(got, [[FrameKind.events, 8 * 1024 * 1024]]);
  const small = Buffer.concat([1, 2, 3].map((n) => frame(FrameKind.reply, Buffer.alloc(n, n))));
  for (let i = 0; i < small.length; i++) assert.ok(reader.push(small.subarray(i, i + 1)));
  assert.deepEqual(got.slice(1), [
    [FrameKind.reply, 1],
    [FrameKind.reply, 2],
    [FrameKind.reply, 3],
  ]);
  // A frame of no length is no frame: the stream is broken, and stays so.
  assert.equal(reader.push(Buffer.from([0, 0, 0, 0, 1])), false);
  assert.equal(reader.push(frame(FrameKind.reply, Buffer.alloc(1))), false);
});

test('a worker that sends what is not a frame, or not JSON, is cut off; the hub serves the others', async (t) => {
  const { path, worker } = await startHub(t);
  for (const junk of [
    Buffer.from([0, 0, 0, 0, 9]), // length 0
    frame(FrameKind.request, Buffer.from('not json')),
  ]) {
    const raw = net.connect(path);
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.write(junk);
    await new Promise((resolve) => raw.once('close', resolve));
  }
  const w = await worker();
  const id = await settle(w.issueJoinId());
  assert.equal((await settle(w.join('after-junk', id, 'x', 10, 1))).kind, 'joined');
});

test("a room's log is kept only until the joiner's watch comes", async (t) => {
  const { hub, worker } = await startHub(t);
  const a = await worker();
  const b = await worker();
  const ida = await settle(a.issueJoinId());
  const joined = await settle(a.join('logged', ida, 'alice', 10, 1));
  assert.equal(joined.kind, 'joined');
  if (joined.kind !== 'joined') return;
  assert.equal(hub.loggedRooms, 1, 'kept while the watch is owed');
  a.watch(joined.ref, joined.seq);
  for (let i = 0; i < 50; i++) a.chat(joined.ref, 'alice', `m${i}`);
  await settle(b.refStatus(joined.ref)); // a round trip after a's watch and chats
  assert.equal(hub.loggedRooms, 0, 'nothing kept once nobody owes a watch');
});

test('a JOIN served after its connection left everything still leaves when its worker dies', async (t) => {
  const { worker } = await startHub(t);
  const a = await worker();
  const b = await worker();
  const id = await settle(a.issueJoinId());
  await settle(a.leaveAll(id, undefined)); // the connection closed, as in a drain
  const late = await settle(a.join('ghost', id, 'late', 10, 1));
  assert.equal(late.kind, 'joined');
  if (late.kind !== 'joined') return;
  await a.close(); // the worker's stream ends, as when it dies
  // Each round trip of b comes after the hub handled a's end: poll until it did.
  let status = await settle(b.refStatus(late.ref));
  for (let tries = 0; status !== 'forgotten' && tries < 100; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    status = await settle(b.refStatus(late.ref));
  }
  assert.equal(status, 'forgotten', "the dead worker's last member left");
});
