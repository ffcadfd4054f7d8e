/** The in-process seams: rooms made and forgotten (T7), identifiers, one order per room (T13). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomEvent } from '../../src/bus/bus.js';
import { LocalRooms } from '../../src/bus/local-rooms.js';

function withLog(): { rooms: LocalRooms; seen: RoomEvent[] } {
  const rooms = new LocalRooms();
  const seen: RoomEvent[] = [];
  rooms.subscribe({ event: (e) => seen.push(e), lost: () => assert.fail('nothing is lost') });
  return { rooms, seen };
}

test('T7 one ref per live name; an emptied room is forgotten and its ref never reused', () => {
  const { rooms } = withLog();
  const a = rooms.join('a', 1, 'ann', 10, 1);
  const b = rooms.join('b', 1, 'ann', 10, 1);
  assert.deepEqual(a, { kind: 'joined', ref: 1, seq: 1 });
  assert.deepEqual(b, { kind: 'joined', ref: 2, seq: 1 });
  assert.deepEqual(rooms.join('a', 2, 'bob', 10, 1), { kind: 'joined', ref: 1, seq: 2 });
  assert.deepEqual(rooms.join('a', 2, 'bob', 10, 1), { kind: 'already', ref: 1, seq: 2 }, 'T5');
  assert.deepEqual(rooms.leave(1, 1, 'ann'), { kind: 'left', seq: 3 });
  assert.deepEqual(rooms.leave(1, 1, 'ann'), { kind: 'not-member' }, 'T4');
  assert.equal(rooms.refStatus(1), 'live');
  assert.deepEqual(rooms.leaveAll(2, undefined), [{ ref: 1, seq: 4 }]);
  assert.equal(rooms.refStatus(1), 'forgotten');
  assert.equal(rooms.refStatus(3), 'never');
  assert.deepEqual(
    rooms.join('a', 2, 'bob', 10, 1),
    { kind: 'joined', ref: 3, seq: 1 },
    'a new ref',
  );
});

test('the room limit counts live rooms only', () => {
  const { rooms } = withLog();
  assert.equal(rooms.join('x', 1, 'a', 1, 1).kind, 'joined');
  assert.deepEqual(rooms.join('y', 1, 'a', 1, 1), { kind: 'room-limit' });
  assert.equal(rooms.join('x', 2, 'b', 1, 1).kind, 'joined', 'joining a live room is no new room');
  rooms.leaveAll(1, undefined);
  rooms.leaveAll(2, undefined);
  assert.equal(rooms.join('y', 1, 'a', 1, 1).kind, 'joined');
});

test('T6 leaveAll: ascending ref, with the name each room was joined with unless one is given', () => {
  const { rooms, seen } = withLog();
  rooms.join('z', 7, 'zed', 10, 1);
  rooms.join('y', 7, 'why', 10, 1);
  rooms.join('z', 8, 'keeper', 10, 1);
  seen.length = 0;
  assert.deepEqual(rooms.leaveAll(7, undefined), [
    { ref: 1, seq: 3 },
    { ref: 2, seq: 2 },
  ]);
  assert.deepEqual(
    seen.map((e) => e.kind === 'leave' && `${e.ref} ${e.clientName}`),
    ['1 zed', '2 why'],
  );
  rooms.join('z', 9, 'nine', 10, 1);
  seen.length = 0;
  rooms.leaveAll(9, 'given');
  assert.deepEqual(
    seen.map((e) => e.kind === 'leave' && e.clientName),
    ['given'],
  );
});

test('T13 an event appended while another is delivered waits its turn, and seqs follow the order', () => {
  const rooms = new LocalRooms();
  const seen: string[] = [];
  rooms.subscribe({
    event: (e) => {
      if (e.kind !== 'chat') return;
      seen.push(`start ${e.message} #${e.seq}`);
      if (e.message === 'first') rooms.chat(1, 'x', 'nested');
      seen.push(`end ${e.message}`);
    },
    lost: () => {},
  });
  rooms.join('r', 1, 'x', 10, 1);
  rooms.chat(1, 'x', 'first');
  rooms.chat(1, 'x', 'second');
  assert.deepEqual(seen, [
    'start first #2',
    'end first',
    'start nested #3',
    'end nested',
    'start second #4',
    'end second',
  ]);
});

test('T7 JOIN_IDs: issued in order from 1, never reused, issued ones remembered', () => {
  const { rooms } = withLog();
  assert.equal(rooms.joinIdIssued(1), false);
  assert.equal(rooms.issueJoinId(), 1);
  assert.equal(rooms.issueJoinId(), 2);
  assert.equal(rooms.joinIdIssued(2), true);
  assert.equal(rooms.joinIdIssued(0), false);
  assert.equal(rooms.joinIdIssued(3), false);
});
