/** IntakeGate on its own, with a clock of the test's: when it shuts, when it opens, whom it lets go. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntakeGate, type GateSettings } from '../../src/conn/intake-gate.js';

const settings: GateSettings = {
  turnBudgetBytes: 1000,
  staleMs: 1000,
  cooldownMs: 10_000,
  minBackedUp: 3,
};

function gate(): { g: IntakeGate; clock: { t: number } } {
  const clock = { t: 1_000_000 };
  return { g: new IntakeGate(settings, () => clock.t), clock };
}

/** `n` sockets written in this turn; the first `backed` of them backed up. */
function turn(g: IntakeGate, n: number, backed: number, now: number): object[] {
  const sockets = Array.from({ length: n }, () => ({}));
  for (let i = 0; i < sockets.length; i++) g.wrote(-1);
  sockets.slice(0, backed).forEach((s) => g.backedUpSocket(s, now));
  g.turnEnded();
  return sockets;
}

test("a turn's budget closes the gate until the turn ends", () => {
  const { g } = gate();
  g.queued(600);
  assert.equal(g.closed, false);
  g.queued(600);
  assert.equal(g.closed, true, 'over the budget');
  g.turnEnded();
  assert.equal(g.closed, false, 'a new turn');
  g.shareSpent();
  assert.equal(g.closed, true, "one connection's share spent");
  g.turnEnded();
  assert.equal(g.closed, false);
});

test('output backed up across the board shuts it; nine in ten drained open it', () => {
  const { g, clock } = gate();
  const sockets = turn(g, 40, 20, clock.t);
  assert.equal(g.closed, true, 'half of those written are backed up');
  assert.equal(g.closures, 1);
  for (const s of sockets.slice(0, 18)) g.drained(s);
  assert.equal(g.closed, true, 'two of twenty still backed up');
  g.drained(sockets[18] as object);
  assert.equal(g.closed, false, 'one of twenty left: open');
});

test('a few backed-up sockets, or a minority of those written, do not shut it', () => {
  const { g, clock } = gate();
  turn(g, 2, 2, clock.t);
  assert.equal(g.closed, false, 'fewer than minBackedUp');
  const { g: g2, clock: c2 } = gate();
  turn(g2, 40, 4, c2.t);
  assert.equal(g2.closed, false, 'four of forty is not across the board');
});

test('the population is those written to lately, not just this turn', () => {
  const { g, clock } = gate();
  turn(g, 30, 0, clock.t); // thirty readers busy a moment ago
  const backed = Array.from({ length: 4 }, () => ({}));
  for (const s of backed) g.backedUpSocket(s, clock.t);
  g.wrote(-1); // a quiet turn: one HELO reply
  g.turnEnded();
  assert.equal(g.closed, false, 'four of thirty-one, though the turn wrote one');
});

test('a socket that stays backed up stops counting after staleMs; the gate opens', async () => {
  const { g, clock } = gate();
  turn(g, 6, 6, clock.t - 900); // backed up 900 ms ago: fresh
  assert.equal(g.closed, true);
  await new Promise((resolve) => setTimeout(resolve, settings.staleMs + 50));
  assert.equal(g.closed, false, 'opened by the stale timer');
  clock.t += 2000;
  g.turnEnded();
  assert.equal(g.closed, false, 'stale ones do not shut it again');
});

test('released waiters go in arrival order while the gate stays open', () => {
  const { g } = gate();
  const order: string[] = [];
  const waiter = (name: string, spend = 0) => ({
    release: () => {
      order.push(name);
      g.queued(spend);
    },
  });
  g.queued(2000); // closed for this turn
  g.wait(waiter('a', 1500)); // a spends the next turn's budget
  g.wait(waiter('b'));
  g.wait(waiter('c'));
  g.turnEnded();
  assert.deepEqual(order, ['a'], 'b and c wait for the turn after');
  g.turnEnded();
  assert.deepEqual(order, ['a', 'b', 'c']);
});

test('SendQueue: a socket that backs up again soon after draining keeps its first time', async () => {
  const { EventEmitter } = await import('node:events');
  const { FlushScheduler, SendQueue } = await import('../../src/conn/send-queue.js');
  const clock = { t: 5000 };
  const g = new IntakeGate({ ...settings, minBackedUp: 1 }, () => clock.t);
  const scheduler = new FlushScheduler(g);
  class Sink extends EventEmitter {
    writableLength = 0;
    write(): boolean {
      return false; // never takes it all
    }
  }
  const sinks = [new Sink(), new Sink()];
  const queues = sinks.map(
    (sink) => new SendQueue(sink, scheduler, 1 << 20, { overflowed: () => assert.fail() }),
  );
  const flushAll = (): void => {
    for (const q of queues) {
      q.push(Buffer.from('x'));
      q.flush();
    }
  };
  flushAll();
  g.turnEnded();
  assert.equal(g.closed, true, 'both backed up at once: across the board');
  for (const sink of sinks) sink.emit('drain');
  assert.equal(g.closed, false);
  clock.t += 1500; // backed up again 1.5 s after the first time, within the cooldown
  flushAll();
  g.turnEnded();
  assert.equal(g.closed, false, 'not fresh again: their first time is over staleMs ago');
  for (const sink of sinks) sink.emit('drain');
  clock.t += 20_000; // drained for longer than the cooldown: a new episode
  flushAll();
  g.turnEnded();
  assert.equal(g.closed, true);
});
