/** A node's side of the rooms: memberships from their join event to their leave event. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoomRegistry } from '../../src/core/rooms.js';

test('a membership lives from its join delivery to its leave delivery; the room with it', () => {
  const rooms = new RoomRegistry<string>();
  const e1 = rooms.joinDelivered(4, 'one', 'c', 'carol', 1);
  const e2 = rooms.joinDelivered(9, 'two', 'c', 'carol', 1);
  assert.equal(
    rooms.joinDelivered(4, 'one', 'c', 'other', 1),
    e1,
    'delivered twice: one membership',
  );
  assert.equal(e1.clientName, 'carol');
  assert.equal(e1.state, 'member');
  assert.equal(rooms.find('one'), e1.room);
  assert.equal(rooms.get(9), e2.room);
  assert.equal(rooms.membershipIn(4, 'c'), e1);
  assert.equal(rooms.roomCountOf('c'), 2);
  assert.equal(rooms.beginLeave(e2), true);
  assert.equal(rooms.beginLeave(e2), false, 'T4 a second LEAVE starts nothing');
  assert.equal(rooms.roomCountOf('c'), 1, 'a leaving membership no longer counts');
  assert.deepEqual(rooms.beginLeaveAll('c'), [e1], 'only memberships not already leaving');
  rooms.joinDelivered(4, 'one', 'd', 'dan', 1);
  assert.equal(rooms.leaveDelivered(e1), false, 'dan is still there');
  assert.equal(rooms.leaveDelivered(e2), true, 'room two has nobody left here');
  assert.equal(rooms.get(9), undefined);
  assert.equal(rooms.find('two'), undefined);
  assert.equal(rooms.roomCount, 1);
  assert.deepEqual(rooms.beginLeaveAll('c'), []);
});

test('T6 beginLeaveAll returns ascending ROOM_REF, whatever the join order', () => {
  const rooms = new RoomRegistry<string>();
  for (const ref of [3, 1, 2]) rooms.joinDelivered(ref, `r${ref}`, 'm', 'mia', 1);
  assert.deepEqual(
    rooms.beginLeaveAll('m').map((e) => e.room.ref),
    [1, 2, 3],
  );
});

test('T7 a room forgotten by the service and made again under its name keeps the new one', () => {
  const rooms = new RoomRegistry<string>();
  const old = rooms.joinDelivered(1, 'x', 'a', 'ann', 1);
  rooms.joinDelivered(2, 'x', 'b', 'bob', 1); // the service forgot ref 1 and made ref 2 for "x"
  rooms.leaveDelivered(old);
  assert.equal(rooms.find('x')?.ref, 2, 'the late leave of the old room does not unname the new');
});
