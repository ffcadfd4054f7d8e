import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdAllocator } from '../../src/core/ids.js';
import { RoomRegistry } from '../../src/core/rooms.js';

test('T7 a room name gets one ref while it has members; refs start at 1', () => {
  const rooms = new RoomRegistry<string>();
  const a = rooms.join('a', 'm1', 'mia').entry.room;
  const b = rooms.join('b', 'm1', 'mia').entry.room;
  assert.equal(a.ref, 1);
  assert.equal(b.ref, 2);
  assert.equal(rooms.join('a', 'm2', 'max').entry.room, a, 'a second member, the same room');
  assert.equal(rooms.find('a'), a);
  assert.equal(rooms.get(2), b);
  assert.equal(rooms.get(99), undefined);
  assert.equal(rooms.roomCount, 2);
});

test('T7 an emptied room is forgotten; its ref is never given to another name', () => {
  const rooms = new RoomRegistry<string>();
  const first = rooms.join('a', 'm', 'mia').entry;
  rooms.joinDelivered(first);
  rooms.beginLeave(first);
  assert.equal(rooms.roomCount, 1, 'still there while the leave is on its way');
  rooms.leaveDelivered(first);
  assert.equal(rooms.roomCount, 0);
  assert.equal(rooms.find('a'), undefined);
  assert.equal(rooms.get(1), undefined);
  assert.equal(rooms.wasIssued(1), true, 'a forgotten ref is remembered as issued (T4)');
  assert.equal(rooms.wasIssued(2), false);
  assert.equal(rooms.join('b', 'm', 'mia').entry.room.ref, 2, 'refs only grow');
  assert.equal(rooms.join('a', 'm', 'mia').entry.room.ref, 3, 'the name gets a new ref');
});

test('memberships move joining -> member -> leaving -> gone, through named transitions', () => {
  const rooms = new RoomRegistry<string>();
  const { entry: e2 } = rooms.join('two', 'c', 'carol');
  const first = rooms.join('one', 'c', 'carol');
  const e1 = first.entry;
  const r1 = e1.room;
  assert.equal(first.fresh, true);
  assert.equal(e1.state, 'joining');
  const again = rooms.join('one', 'c', 'other');
  assert.equal(again.entry, e1, 'T5 joining twice returns the same membership');
  assert.equal(again.fresh, false, 'T5 and publishes nothing');
  assert.equal(e1.clientName, 'carol');
  rooms.joinDelivered(e1);
  assert.equal(e1.state, 'member');
  assert.equal(rooms.roomCountOf('c'), 2);
  assert.equal(rooms.beginLeave(e2), true);
  assert.equal(rooms.beginLeave(e2), false, 'T4 a second LEAVE starts nothing');
  assert.equal(rooms.roomCountOf('c'), 1, 'a leaving membership no longer counts');
  assert.deepEqual(rooms.beginLeaveAll('c'), [e1], 'only memberships not already leaving');
  rooms.leaveDelivered(e1);
  rooms.leaveDelivered(e2);
  assert.equal(r1.members.size, 0);
  assert.deepEqual(rooms.beginLeaveAll('c'), []);
});

test('T6 beginLeaveAll returns ascending ROOM_REF, whatever the join order', () => {
  const rooms = new RoomRegistry<string>();
  for (const name of ['x', 'y', 'z']) rooms.join(name, 'first', 'f'); // refs 1, 2, 3
  for (const name of ['z', 'x', 'y']) rooms.join(name, 'm', 'mia');
  assert.deepEqual(
    rooms.beginLeaveAll('m').map((e) => e.room.ref),
    [1, 2, 3],
  );
});

test('a member that joins again while its leave is on the way stays in the room', () => {
  const rooms = new RoomRegistry<string>();
  const { entry } = rooms.join('r', 'm', 'mia');
  const room = entry.room;
  rooms.joinDelivered(entry);
  rooms.beginLeave(entry);
  const back = rooms.join('r', 'm', 'mia2');
  assert.equal(back.fresh, true, 'a new join event is due');
  assert.equal(back.entry.state, 'joining');
  assert.equal(back.entry.clientName, 'mia2');
  rooms.leaveDelivered(back.entry);
  assert.equal(rooms.membership(room, 'm'), back.entry, 'the old leave does not remove it');
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
