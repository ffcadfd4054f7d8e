/**
 * The delivery bookkeeping of the direct-message server, without sockets: a recipient's inbox
 * (acks by position, timeout, late acks, bound) and a sender's replies in request order. The
 * inbox's clock (setTimeout, Date) is node:test's mock, so timeouts are stepped through, not
 * slept through.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { pino } from 'pino';
import { Inbox } from '../../src/dm-server/inbox.js';
import { OrderedReplies } from '../../src/conn/ordered-replies.js';
import { nameProblem, parseDmInput } from '../../src/dm-client/input.js';

const log = pino({ level: 'silent' });
const frame = Buffer.from('FORWARD a\nContent-length: 1\n\nx');

function inbox(ackTimeoutMs = 10_000, maxUnackedPerRecipient = 4) {
  const forwarded: Buffer[] = [];
  const box = new Inbox((f) => forwarded.push(f), { ackTimeoutMs, maxUnackedPerRecipient }, log);
  const outcomes: string[] = [];
  const deliver = (tag: string) =>
    box.deliver(frame, 'a', (ok) => outcomes.push(`${tag}:${ok ? 'ok' : 'fail'}`));
  return { box, forwarded, outcomes, deliver };
}

describe('Inbox', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  test('acks settle forwards in the order they were sent (FIFO)', () => {
    const { box, forwarded, outcomes, deliver } = inbox();
    deliver('1');
    deliver('2');
    assert.equal(forwarded.length, 2);
    box.ack('a');
    box.refuse(); // C3: the recipient could not read the second one
    assert.deepEqual(outcomes, ['1:ok', '2:fail']);
    box.ack('a'); // nothing outstanding: ignored
    assert.equal(box.size, 0);
    box.close();
  });

  test('an unacknowledged forward fails at the timeout, not before; its late ack is absorbed', () => {
    const { box, outcomes, deliver } = inbox(30);
    deliver('1');
    mock.timers.tick(29);
    assert.deepEqual(outcomes, []);
    mock.timers.tick(1);
    assert.deepEqual(outcomes, ['1:fail']);
    deliver('2');
    box.ack('a'); // the late ack of 1: must not count for 2
    assert.deepEqual(outcomes, ['1:fail']);
    box.ack('a');
    assert.deepEqual(outcomes, ['1:fail', '2:ok']);
    box.close();
  });

  test('full of live forwards: a new one fails at once and is not forwarded', () => {
    const { box, forwarded, outcomes, deliver } = inbox(10_000, 2);
    deliver('1');
    deliver('2');
    deliver('3');
    assert.equal(forwarded.length, 2);
    assert.deepEqual(outcomes, ['3:fail']);
    box.close();
    assert.deepEqual(outcomes, ['3:fail', '1:fail', '2:fail']);
  });

  test('full of expired forwards: the oldest is forgotten to make room', () => {
    const { box, forwarded, outcomes, deliver } = inbox(20, 2);
    deliver('1');
    mock.timers.tick(5);
    deliver('2'); // its deadline is 5 ms after the first's
    mock.timers.tick(15);
    assert.deepEqual(outcomes, ['1:fail']);
    mock.timers.tick(5);
    assert.deepEqual(outcomes, ['1:fail', '2:fail']);
    deliver('3');
    assert.equal(forwarded.length, 3);
    assert.equal(box.size, 2);
    box.ack('a'); // 2's late ack
    box.ack('a');
    assert.deepEqual(outcomes, ['1:fail', '2:fail', '3:ok']);
    box.close();
  });
});

describe('OrderedReplies', () => {
  test('a reply waits for every earlier one', () => {
    const out: string[] = [];
    const replies = new OrderedReplies(
      (b) => out.push(b.toString()),
      () => {},
    );
    const first = replies.reserve();
    const second = replies.reserve();
    second(Buffer.from('b'));
    assert.deepEqual(out, []);
    assert.equal(replies.waiting, 2);
    first(Buffer.from('a'));
    first(Buffer.from('again')); // only the first fill counts
    assert.deepEqual(out, ['a', 'b']);
    assert.equal(replies.waiting, 0);
  });
});

describe('dm client input (seed 004)', () => {
  test('@user: text and @ALL: text', () => {
    assert.deepEqual(parseDmInput('@bob: hi there '), {
      kind: 'message',
      to: 'bob',
      text: 'hi there',
    });
    assert.deepEqual(parseDmInput('@ALL:hello: world'), {
      kind: 'message',
      to: 'ALL',
      text: 'hello: world',
    });
    assert.deepEqual(parseDmInput('   '), { kind: 'blank' });
    for (const bad of ['hello', '@bob hi', '@: hi', '@bob:', '@b-b: hi']) {
      assert.equal(parseDmInput(bad).kind, 'invalid', bad);
    }
  });

  test('names: ALL and non-alphanumeric names are refused', () => {
    assert.equal(nameProblem('alice7'), undefined);
    for (const bad of ['ALL', 'al ice', 'ali_ce', '', 'é']) assert.ok(nameProblem(bad), bad);
  });
});
