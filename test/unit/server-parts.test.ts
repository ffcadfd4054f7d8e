/** The small server mechanisms: batched bounded output, rate bucket, protocol sniffing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../src/core/token-bucket.js';
import { FlushScheduler, SendQueue, type ByteSink } from '../../src/conn/send-queue.js';
import { claimsCol334 } from '../../src/protocol/col334.js';

class FakeSink implements ByteSink {
  writes: Buffer[] = [];
  writableLength = 0;
  write(chunk: Buffer): boolean {
    this.writes.push(chunk);
    return true;
  }
  once(): this {
    return this;
  }
}

test('SendQueue: everything queued in one turn goes out as one write, in order', async () => {
  const sink = new FakeSink();
  const queue = new SendQueue(sink, new FlushScheduler(), 1000, {
    overflowed: () => assert.fail('no overflow'),
  });
  queue.push(Buffer.from('a'));
  queue.push(Buffer.from('b'));
  queue.push(Buffer.from('c'));
  assert.equal(sink.writes.length, 0, 'nothing written before the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    sink.writes.map((b) => b.toString()),
    ['abc'],
  );
});

test('SendQueue: a socket holding more than the bound unsent is cut off once, and gets nothing more', async () => {
  const sink = new FakeSink();
  let overflows = 0;
  const queue = new SendQueue(sink, new FlushScheduler(), 100, { overflowed: () => overflows++ });
  queue.push(Buffer.alloc(500)); // one big burst in a turn is fine while the socket takes it
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(overflows, 0);
  sink.writableLength = 101; // the peer stopped reading
  queue.push(Buffer.from('more'));
  queue.push(Buffer.from('and more'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(overflows, 1);
  assert.equal(sink.writes.length, 1);
});

test('SendQueue: a burst the socket has not sent yet is not slowness; an undrained backlog is', async () => {
  const sink = new FakeSink();
  let overflows = 0;
  const queue = new SendQueue(sink, new FlushScheduler(), 100, { overflowed: () => overflows++ });
  queue.push(Buffer.alloc(500));
  await new Promise((resolve) => setImmediate(resolve));
  sink.writableLength = 500; // the kernel took none of this turn's burst yet
  assert.equal(overflows, 0, 'not cut for its own turn');
  sink.writableLength = 0; // the reader kept up
  queue.push(Buffer.alloc(500));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(overflows, 0);
  sink.writableLength = 500; // and this time it does not drain before the next turn's flush
  queue.push(Buffer.alloc(10));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(overflows, 1, 'cut for the backlog earlier turns left');
});

test('FlushScheduler: each queue written once a turn; one given frames while the turn flushes is written next turn', async () => {
  const scheduler = new FlushScheduler();
  const noOverflow = { overflowed: () => assert.fail('no overflow') };
  const bSink = new FakeSink();
  const sinks = [new FakeSink(), bSink, new FakeSink(), new FakeSink(), new FakeSink()];
  const [a, b, c, d, e] = sinks.map((sink) => new SendQueue(sink, scheduler, 1000, noOverflow)) as [
    SendQueue,
    SendQueue,
    SendQueue,
    SendQueue,
    SendQueue,
  ];
  const writes = (): string[][] => sinks.map((sink) => sink.writes.map((w) => w.toString()));
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  // B's write, as an overflow's leave notices or a release would, gives more to A and B
  // (written already this turn), to C (not yet), and to D and E (not in this turn at all):
  // more queues marked during the flush than it has left to write.
  const bWrite = bSink.write.bind(bSink);
  let reentered = false;
  bSink.write = (chunk: Buffer): boolean => {
    if (!reentered) {
      reentered = true;
      for (const [queue, frame] of [
        [a, 'a2'],
        [b, 'b2'],
        [c, 'c2'],
        [d, 'd1'],
        [e, 'e1'],
      ] as const) {
        queue.push(Buffer.from(frame));
      }
    }
    return bWrite(chunk);
  };
  a.push(Buffer.from('a1'));
  b.push(Buffer.from('b1'));
  c.push(Buffer.from('c1'));
  await turn();
  assert.deepEqual(
    writes(),
    [['a1'], ['b1'], ['c1c2'], [], []],
    'C took its late frame with this turn; D and E wait for the next',
  );
  await turn();
  assert.deepEqual(
    writes(),
    [['a1', 'a2'], ['b1', 'b2'], ['c1c2'], ['d1'], ['e1']],
    'the late frames went out next turn, none lost',
  );
  // A later turn with fewer queues than either: nobody is written twice or left out.
  c.push(Buffer.from('c3'));
  await turn();
  await turn();
  assert.deepEqual(writes(), [['a1', 'a2'], ['b1', 'b2'], ['c1c2', 'c3'], ['d1'], ['e1']]);
});

test('TokenBucket: a burst, then the sustained rate', () => {
  const bucket = new TokenBucket(10, 3, 0);
  assert.deepEqual(
    [1, 2, 3, 4].map(() => bucket.take(0)),
    [true, true, true, false],
  );
  assert.equal(bucket.take(50), false, 'half a token after 50 ms');
  assert.equal(bucket.take(100), true, 'one token after 100 ms');
  assert.equal(bucket.take(10_000), true);
  assert.equal(bucket.take(10_000), true);
  assert.equal(bucket.take(10_000), true);
  assert.equal(bucket.take(10_000), false, 'never more than the burst');
});

test('protocol detection: COL334 opening words claim a connection, decided at the first differing byte', () => {
  assert.equal(claimsCol334(Buffer.from('R')), undefined);
  assert.equal(claimsCol334(Buffer.from('REGISTE')), undefined);
  assert.equal(claimsCol334(Buffer.from('REGISTER TOSEND bob\n\n')), true);
  assert.equal(claimsCol334(Buffer.from('SEN')), undefined);
  assert.equal(claimsCol334(Buffer.from('SEND bob\n')), true);
  assert.equal(claimsCol334(Buffer.from('SENT bob\n')), true);
  assert.equal(claimsCol334(Buffer.from('RECEIVED alice\n\n')), true);
  assert.equal(claimsCol334(Buffer.from('RX')), false);
  assert.equal(claimsCol334(Buffer.from('SX')), false);
  assert.equal(claimsCol334(Buffer.from('HELO x\n')), false);
  assert.equal(claimsCol334(Buffer.from('J')), false);
});
