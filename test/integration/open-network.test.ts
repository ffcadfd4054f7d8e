/**
 * The open-network defaults (docs/operations.md), over the in-memory transport so that the
 * server sees any remote address: a non-loopback address holds at most 64 connections (an
 * IPv6 host is counted by its /64) and must be answered within the first-request timeout;
 * loopback clients keep the lab's behaviour, thousands from one address and no timeout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readServeSettings } from '../../src/cli/config.js';
import { admissionFromSettings } from '../../src/cli/service-options.js';
import { Acceptor } from '../../src/conn/acceptor.js';
import { addressGroup } from '../../src/conn/address-group.js';
import { DirectServer } from '../../src/dm-server/direct-server.js';
import { defaultDirectTuning } from '../../src/dm-server/options.js';
import { claimsCol334 } from '../../src/protocol/col334.js';
import { ChatServer } from '../../src/server/chat-server.js';
import { frame } from '../helpers/frames.js';
import { MemoryClient } from '../helpers/memory-client.js';
import { testOptions } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

const full = frame.error(12, 'Server full: at most 64 connections per address');

/** Both protocols behind an acceptor with `roomcast serve`'s defaults, plus `argv`. */
function serving(argv: string[] = []): { acceptor: Acceptor; stop: () => Promise<void> } {
  const options = testOptions();
  const chat = new ChatServer(options);
  const direct = new DirectServer({
    ...defaultDirectTuning,
    limits: options.limits,
    logger: options.logger,
  });
  const limits = admissionFromSettings(readServeSettings(argv, {}).settings);
  const acceptor = new Acceptor(chat, [{ name: 'col334', claims: claimsCol334, handler: direct }], {
    limits,
  });
  return { acceptor, stop: () => acceptor.shutdown(50) };
}

const helo = (c: MemoryClient, text: string): Promise<string> => {
  c.send(`HELO ${text}\n`);
  return c.waitFor((t) => t.includes(`HELO ${text}\n`));
};

test('a non-loopback address gets 64 connections; the 65th error 12; others are not affected', async () => {
  const { acceptor, stop } = serving();
  try {
    const mine = Array.from({ length: 64 }, () => MemoryClient.connectVia(acceptor, '203.0.113.7'));
    await Promise.all(mine.map((c, i) => helo(c, String(i))));
    const extra = MemoryClient.connectVia(acceptor, '203.0.113.7');
    assert.equal(await extra.waitFor((t) => t === full), full);
    await extra.waitFor(() => extra.closed);
    const mapped = MemoryClient.connectVia(acceptor, '::ffff:203.0.113.7'); // the same host
    await mapped.waitFor((t) => t === full);
    const neighbour = MemoryClient.connectVia(acceptor, '203.0.113.8');
    await helo(neighbour, 'next door');
    // A slot freed is a slot again.
    mine[0]?.end.destroy();
    await waitUntil(() => acceptor.admittedCount === 64, 'the slot back');
    await helo(MemoryClient.connectVia(acceptor, '203.0.113.7'), 'back');
  } finally {
    await stop();
  }
});

test('an IPv6 host is counted by its /64', async () => {
  assert.equal(addressGroup('2001:db8:1:2::5'), '2001:db8:1:2::/64');
  assert.equal(addressGroup('2001:0db8:0001:0002:ffff:0:0:1'), '2001:db8:1:2::/64');
  assert.equal(addressGroup('::ffff:198.51.100.4'), '198.51.100.4');
  assert.equal(addressGroup('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressGroup('64:ff9b::192.0.2.33'), '64:ff9b:0:0::/64');
  const { acceptor, stop } = serving(['--max-connections-per-address', '2']);
  try {
    const a = MemoryClient.connectVia(acceptor, '2001:db8:1:2::5');
    const b = MemoryClient.connectVia(acceptor, '2001:db8:1:2:abcd::9');
    await Promise.all([helo(a, 'a'), helo(b, 'b')]);
    const c = MemoryClient.connectVia(acceptor, '2001:db8:1:2:ffff:ffff:ffff:ffff');
    const two = frame.error(12, 'Server full: at most 2 connections per address');
    await c.waitFor((t) => t === two);
    await helo(MemoryClient.connectVia(acceptor, '2001:db8:1:3::5'), 'other /64');
  } finally {
    await stop();
  }
});

test('loopback keeps the lab behaviour: 1000 connections from 127.0.0.1 with the defaults', async () => {
  const { acceptor, stop } = serving();
  try {
    const many = Array.from({ length: 1000 }, (_, i) =>
      MemoryClient.connectVia(acceptor, i % 2 === 0 ? '127.0.0.1' : '::1'),
    );
    await Promise.all(many.map((c, i) => helo(c, String(i))));
    assert.equal(acceptor.admittedCount, 1000);
    assert.ok(many.every((c) => !c.closed));
  } finally {
    await stop();
  }
});

test('a non-loopback connection that is not answered in time gets error 13 and is closed', async () => {
  const { acceptor, stop } = serving(['--first-request-timeout-ms', '150']);
  try {
    const late = frame.error(13, 'Idle timeout: no request answered within 150 ms');
    // Opened first, so its timer fires before the others'.
    const answered = MemoryClient.connectVia(acceptor, '198.51.100.4');
    await helo(answered, 'in time');
    const silent = MemoryClient.connectVia(acceptor, '198.51.100.1');
    const partial = MemoryClient.connectVia(acceptor, '198.51.100.2');
    partial.send('JOIN_CHATROOM: slow\nCLIENT_IP: 0\n'); // a request begun, never finished
    const dmSilent = MemoryClient.connectVia(acceptor, '198.51.100.3');
    dmSilent.send('REGISTER TOSEND al'); // the direct-message protocol's, never finished
    const loopback = MemoryClient.connectVia(acceptor, '127.0.0.1');
    for (const c of [silent, partial]) {
      assert.equal(await c.waitFor((t) => t === late), late);
      await c.waitFor(() => c.closed);
    }
    await dmSilent.waitFor(() => dmSilent.closed); // COL334 has no error for this: it closes
    assert.equal(dmSilent.text, '');
    // Every timer has fired by now: the answered and the loopback connections still answer.
    assert.equal(loopback.text, '');
    await helo(answered, 'still here');
    await helo(loopback, 'late but local');
    assert.equal(answered.closed || loopback.closed, false);
    assert.equal(acceptor.stats.cut.get('first-request-timeout'), 3);
  } finally {
    await stop();
  }
});

test('--limit-loopback applies the rules to loopback clients too; 0 turns each off', async () => {
  const strict = serving(['--limit-loopback', '--max-connections-per-address', '1']);
  try {
    await helo(MemoryClient.connectVia(strict.acceptor, '127.0.0.1'), 'one');
    const two = MemoryClient.connectVia(strict.acceptor, '127.0.0.1');
    await two.waitFor((t) => t.startsWith('ERROR_CODE: 12\n'));
  } finally {
    await strict.stop();
  }
  const loose = serving(['--max-connections-per-address', '0', '--first-request-timeout-ms', '0']);
  try {
    const many = Array.from({ length: 100 }, () =>
      MemoryClient.connectVia(loose.acceptor, '203.0.113.9'),
    );
    await Promise.all(many.map((c, i) => helo(c, String(i))));
  } finally {
    await loose.stop();
  }
});
