import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvents, encodeEvent } from '../../src/cluster/event-codec.js';

test('room events round-trip, several in one message, any text', () => {
  const events = [
    { kind: 'join', ref: 3, seq: 1, room: 'r ü', joinId: 9, clientName: 'ann', attempt: 4 },
    { kind: 'chat', ref: 3, seq: 2, clientName: 'ann', message: 'a\nb 1 2' },
    { kind: 'leave', ref: 3, seq: 3, joinId: 9, clientName: 'ann' },
  ] as const;
  const bytes = Buffer.from(events.map((e) => encodeEvent(e)).join(''));
  assert.deepEqual(decodeEvents(3, bytes), { events, bad: false });
});

test("a join without its JOIN's attempt (an older writer) reads as attempt 0, which no JOIN has", () => {
  const { events, bad } = decodeEvents(5, Buffer.from('7 J 12 3 1\nbobr'));
  assert.equal(bad, false);
  assert.deepEqual(events, [
    { kind: 'join', ref: 5, seq: 7, room: 'r', joinId: 12, clientName: 'bob', attempt: 0 },
  ]);
});

test('what does not parse is reported, never taken for an event', () => {
  for (const text of ['7 C 0 3 1 9\nbobr', '7 J 12 3\nbob', '7 X 0 1 1\nab', '7 C 0 9 9\nab']) {
    const { events, bad } = decodeEvents(1, Buffer.from(text));
    assert.equal(bad, true, text);
    assert.deepEqual(events, [], text);
  }
});
