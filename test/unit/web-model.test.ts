/** The web client's model and reconnect delays, without a browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconnectDelayMs } from '../../web/src/backoff.js';
import { ChatModel, KEEP_MESSAGES } from '../../web/src/model.js';

test('own messages are the echoes of what this page sent, not every chat under its name', () => {
  const m = new ChatModel('alice');
  m.joined('lobby', '1', '7');
  m.sending('lobby', 'hi');
  assert.equal(m.chat('lobby', 'alice', 'hi', undefined)?.message.own, true);
  // Another connection named alice (T8) saying the same thing: not ours.
  assert.equal(m.chat('lobby', 'alice', 'hi', undefined)?.message.own, false);
  m.sending('lobby', 'refused');
  m.notSent('lobby', 'refused');
  assert.equal(m.chat('lobby', 'alice', 'refused', undefined)?.message.own, false);
  assert.equal(
    m.chat('lobby', 'alice', 'alice has joined this chatroom.', 'joined')?.message.kind,
    'joined',
  );
});

test('unread counts what others did in rooms not shown; selecting clears them', () => {
  const m = new ChatModel('alice');
  m.joined('lobby', '1', '7');
  m.joined('side', '2', '7'); // the newest room is the current one
  assert.equal(m.current, 'side');
  m.chat('lobby', 'bob', 'one', undefined);
  m.chat('lobby', 'bob', 'bob has left this chatroom.', 'left');
  m.chat('lobby', 'alice', 'alice has joined this chatroom.', 'joined');
  m.chat('side', 'bob', 'seen', undefined);
  assert.deepEqual(
    m.rooms.map((r) => [r.name, r.unread]),
    [
      ['lobby', 2],
      ['side', 0],
    ],
  );
  assert.equal(m.totalUnread, 2);
  m.select('lobby');
  assert.equal(m.totalUnread, 0);
  assert.equal(m.chat('nowhere', 'bob', 'x', undefined), undefined);
});

test('a reconnect keeps the messages, notes the loss once, and the new identifiers', () => {
  const m = new ChatModel('alice');
  m.joined('lobby', '1', '7');
  m.chat('lobby', 'bob', 'before', undefined);
  const lost = m.lost('Connection lost.');
  assert.deepEqual(
    lost.map((n) => n.message.text),
    ['Connection lost.'],
  );
  assert.deepEqual(m.lost('Connection lost.'), [], 'a failed retry adds nothing');
  assert.equal(m.room('lobby')?.status, 'rejoining');
  const { note } = m.joined('lobby', '4', '9');
  assert.equal(note?.text, 'Rejoined after reconnecting: new JOIN_ID 9 (was 7), ROOM_REF 4.');
  assert.equal(m.joined('lobby', '4', '9').note, undefined, 'a repeated JOIN (T5) is not a rejoin');
  assert.deepEqual(
    m.room('lobby')?.messages.map((x) => x.text),
    ['before', 'Connection lost.', note?.text],
  );
  const ids = m.room('lobby')?.messages.map((x) => x.id) ?? [];
  assert.equal(new Set(ids).size, ids.length);
});

test('leaving moves to a neighbour; a room keeps its last messages only', () => {
  const m = new ChatModel('alice');
  for (const [i, name] of ['a', 'b', 'c'].entries()) m.joined(name, String(i), '1');
  m.select('b');
  m.left('b');
  assert.equal(m.current, 'c');
  m.left('c');
  assert.equal(m.current, 'a');
  for (let i = 0; i < KEEP_MESSAGES + 5; i++) m.chat('a', 'bob', `m${i}`, undefined);
  const kept = m.room('a')?.messages ?? [];
  assert.equal(kept.length, KEEP_MESSAGES);
  assert.equal(kept[0]?.text, 'm5');
});

test('reconnect delays double from 0.5 s to 10 s, spread by ±20 %', () => {
  const mid = (n: number): number => reconnectDelayMs(n, () => 0.5);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map(mid), [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  assert.equal(
    reconnectDelayMs(0, () => 0),
    400,
  );
  assert.equal(
    reconnectDelayMs(0, () => 1),
    600,
  );
});
