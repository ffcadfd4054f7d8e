import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdAllocator } from '../../src/core/ids.js';
import { RoomRegistry } from '../../src/core/rooms.js';

test('T7 a room name gets one ref for the life of the registry; refs start at 1', () => {
  const rooms = new RoomRegistry<string>();
  const a = rooms.getOrCreate('a');
  const b = rooms.getOrCreate('b');
  assert.equal(a.ref, 1);
  assert.equal(b.ref, 2);
  assert.equal(rooms.getOrCreate('a'), a);
  const entry = rooms.add(a, 'conn1', 'alice');
  rooms.remove(entry);
  assert.equal(rooms.getOrCreate('a').ref, 1, 'an emptied room keeps its ref');
  assert.equal(rooms.get(2), b);
  assert.equal(rooms.get(99), undefined);
});

test('memberships are indexed both ways and keep their state', () => {
  const rooms = new RoomRegistry<string>();
  const r1 = rooms.getOrCreate('one');
  const r2 = rooms.getOrCreate('two');
  const e2 = rooms.add(r2, 'c', 'carol');
  const e1 = rooms.add(r1, 'c', 'carol');
  assert.equal(e1.state, 'joining');
  assert.equal(rooms.add(r1, 'c', 'other'), e1, 'adding twice returns the same membership');
  assert.equal(rooms.roomCountOf('c'), 2);
  assert.deepEqual(
    rooms.activeMemberships('c').map((e) => e.room.ref),
    [1, 2],
    'ascending ROOM_REF (T6), whatever the join order',
  );
  e2.state = 'leaving';
  assert.equal(rooms.roomCountOf('c'), 1, 'a leaving membership no longer counts');
  assert.deepEqual(rooms.activeMemberships('c'), [e1]);
  rooms.remove(e1);
  rooms.remove(e2);
  assert.equal(r1.members.size, 0);
  assert.deepEqual(rooms.activeMemberships('c'), []);
});

test('T7 JOIN_IDs: issued in order from 1, never reused, issued ones remembered', () => {
  const ids = new IdAllocator();
  assert.equal(ids.wasIssued(1), false);
  assert.equal(ids.next(), 1);
  assert.equal(ids.next(), 2);
  assert.equal(ids.wasIssued(2), true);
  assert.equal(ids.wasIssued(0), false);
  assert.equal(ids.wasIssued(3), false);
});
