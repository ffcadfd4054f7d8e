/**
 * The soak checker must be able to fail: a clean synthetic history passes, and each kind of
 * delivery fault (a gap, a duplicate, a reordering, a missing leave notice, an event after
 * leaving, an error, a lost chat) is reported.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TcdReplyParser } from '../../src/protocol/tcd-reply.js';
import { frame } from '../helpers/frames.js';
import {
  SoakLog,
  type CheckOptions,
  type ConnEnd,
  type ConnLog,
  type SoakVerdict,
} from '../helpers/soak-checker.js';

const ROOM = 1;
const joined = (name: string): string => frame.joinedNotice(ROOM, name);
const left = (name: string): string => frame.leftNotice(ROOM, name);
const chat = (name: string, text: string): string => frame.chat(ROOM, name, text);
const JOINED = frame.joined('r', 9999, ROOM, 1);
const LEFT = frame.left(ROOM, 1);

interface Member {
  readonly names: readonly string[];
  readonly disconnectName?: string;
  readonly end: ConnEnd;
  readonly sent?: readonly string[];
  readonly received: readonly string[];
}

/** A room with an observer, member A (joins, chats, leaves) and member B (disconnects). */
function clean(): Record<'observer' | 'a' | 'b', Member> {
  return {
    observer: {
      names: ['obs'],
      disconnectName: 'obsx',
      end: 'disconnect',
      received: [
        JOINED,
        joined('obs'),
        joined('a1'),
        chat('a1', 'hi'),
        joined('b1'),
        chat('b1', 'yo'),
        left('a1'),
        chat('b1', 'again'),
        left('bx'),
        left('obsx'),
      ],
    },
    a: {
      names: ['a1'],
      disconnectName: 'ax',
      end: 'disconnect',
      sent: [chat('a1', 'hi')],
      received: [
        JOINED,
        joined('a1'),
        chat('a1', 'hi'),
        joined('b1'),
        chat('b1', 'yo'),
        LEFT,
        left('a1'),
      ],
    },
    b: {
      names: ['b1'],
      disconnectName: 'bx',
      end: 'disconnect',
      sent: [chat('b1', 'yo'), chat('b1', 'again')],
      received: [
        JOINED,
        joined('b1'),
        chat('b1', 'yo'),
        left('a1'),
        chat('b1', 'again'),
        left('bx'),
      ],
    },
  };
}

function check(
  members: Record<'observer' | 'a' | 'b', Member>,
  options: CheckOptions = {},
): SoakVerdict {
  const log = new SoakLog();
  const logs = new Map<string, ConnLog>();
  for (const [key, m] of Object.entries(members)) {
    const conn = log.newConn();
    m.names.forEach((n) => conn.names.add(n));
    conn.disconnectName = m.disconnectName;
    conn.end = m.end;
    for (const f of m.sent ?? []) conn.sent.push({ room: ROOM, frame: f });
    const parser = new TcdReplyParser();
    for (const reply of parser.push(Buffer.from(m.received.join('')))) log.record(conn, reply);
    logs.set(key, conn);
  }
  const observer = logs.get('observer');
  if (observer === undefined) throw new Error('no observer');
  return log.check(new Map([[ROOM, observer]]), options);
}

function expectViolation(members: Record<'observer' | 'a' | 'b', Member>, pattern: RegExp): void {
  const verdict = check(members);
  assert.ok(
    verdict.violations.some((v) => pattern.test(v)),
    `expected a violation matching ${String(pattern)}, got ${JSON.stringify(verdict.violations)}`,
  );
}

describe('soak checker', () => {
  test('a clean history passes and every reception is counted', () => {
    const verdict = check(clean());
    assert.deepEqual(verdict.violations, []);
    assert.equal(verdict.deliveries, 9 + 5 + 5);
    assert.equal(verdict.events, 9);
    assert.equal(verdict.memberships, 3);
    assert.equal(verdict.chatsConfirmed, 3);
  });

  test('a member missing an event of its membership (gap)', () => {
    const m = clean();
    m.a = { ...m.a, received: m.a.received.filter((f) => f !== chat('b1', 'yo')) };
    expectViolation(m, /gap, duplicate or reorder/);
  });

  test('with a leave window (cluster bus), chats before the leave notice may skip the leaver', () => {
    const m = clean();
    m.a = { ...m.a, received: m.a.received.filter((f) => f !== chat('b1', 'yo')) };
    assert.deepEqual(check(m, { leaveWindow: true }).violations, []);
  });

  test('a member receiving an event twice', () => {
    const m = clean();
    m.b = {
      ...m.b,
      received: [
        JOINED,
        joined('b1'),
        chat('b1', 'yo'),
        chat('b1', 'yo'),
        left('a1'),
        chat('b1', 'again'),
        left('bx'),
      ],
    };
    expectViolation(m, /gap, duplicate or reorder/);
  });

  test('two members seeing events in different orders (T13)', () => {
    const m = clean();
    m.b = {
      ...m.b,
      received: [
        JOINED,
        joined('b1'),
        left('a1'),
        chat('b1', 'yo'),
        chat('b1', 'again'),
        left('bx'),
      ],
    };
    expectViolation(m, /gap, duplicate or reorder/);
  });

  test('an event after LEFT_CHATROOM (T3)', () => {
    const m = clean();
    m.a = {
      ...m.a,
      received: [...m.a.received.slice(0, 5), LEFT, chat('b1', 'again'), left('a1')],
    };
    expectViolation(m, /after LEFT_CHATROOM/);
  });

  test('an event of a room after the member left it', () => {
    const m = clean();
    m.a = { ...m.a, received: [...m.a.received, chat('b1', 'again')] };
    expectViolation(m, /while not in room/);
  });

  test('a first event after JOINED that is not the own join notice (T2)', () => {
    const m = clean();
    m.b = {
      ...m.b,
      received: [
        JOINED,
        chat('b1', 'yo'),
        joined('b1'),
        left('a1'),
        chat('b1', 'again'),
        left('bx'),
      ],
    };
    expectViolation(m, /not its own join notice/);
  });

  test('a connection that vanished without its leave notice reaching the room (T6)', () => {
    const m = clean();
    m.a = { ...m.a, end: 'abort', received: m.a.received.slice(0, 3) };
    m.observer = { ...m.observer, received: m.observer.received.filter((f) => f !== left('a1')) };
    m.b = { ...m.b, received: m.b.received.filter((f) => f !== left('a1')) };
    expectViolation(m, /never got a leave notice/);
  });

  test('a connection reset mid-membership may have received a prefix', () => {
    const m = clean();
    m.a = { ...m.a, end: 'abort', received: m.a.received.slice(0, 3) };
    assert.deepEqual(check(m).violations, []);
  });

  test('a graceful member whose membership never ended', () => {
    const m = clean();
    m.a = { ...m.a, received: m.a.received.slice(0, 5) };
    expectViolation(m, /never got its own leave notice/);
  });

  test('an error reply (T12)', () => {
    const m = clean();
    m.b = { ...m.b, received: [...m.b.received, frame.error(1, 'Invalid message format')] };
    expectViolation(m, /received an error/);
  });

  test('a chat that was written and never reached the room (T1)', () => {
    const m = clean();
    m.b = { ...m.b, sent: [...(m.b.sent ?? []), chat('b1', 'lost')] };
    expectViolation(m, /never reached room/);
  });

  test("a sender's chats out of the order written (T13)", () => {
    const m = clean();
    m.b = { ...m.b, sent: [chat('b1', 'again'), chat('b1', 'yo')] };
    expectViolation(m, /out of the order written/);
  });

  test('a connection the server closed on its own', () => {
    const m = clean();
    m.b = { ...m.b, end: 'server-closed' };
    expectViolation(m, /closed by the server/);
  });
});
