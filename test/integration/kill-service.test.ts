/** T14: KILL_SERVICE under each policy, and the real process exiting 0 with every connection closed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChatServer } from '../../src/server/chat-server.js';
import type { KillPolicy } from '../../src/server/options.js';
import { frame } from '../helpers/frames.js';
import { MemoryClient } from '../helpers/memory-client.js';
import { testOptions } from '../helpers/server.js';
import { spawnServer } from '../helpers/process.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';
import { request } from '../../src/protocol/tcd-request-text.js';

function killOutcome(policy: KillPolicy, remote: string): Promise<string> {
  const server = new ChatServer(testOptions({ killPolicy: policy }));
  const client = MemoryClient.connect(server, remote);
  const killed = new Promise<'killed'>((resolve) => server.once('kill', () => resolve('killed')));
  client.send('KILL_SERVICE\n');
  return Promise.race([
    killed,
    client.waitFor((t) => t.includes('\n', t.indexOf('ERROR_DESCRIPTION'))),
  ]);
}

const refused = (policy: string): string =>
  frame.error(9, `KILL_SERVICE not permitted: policy is '${policy}'`);

test('T14 policy any: anyone may stop the service', async () => {
  assert.equal(await killOutcome('any', '203.0.113.7'), 'killed');
});

test('T14 policy local: loopback clients may, others are refused with error 9', async () => {
  assert.equal(await killOutcome('local', '127.0.0.1'), 'killed');
  assert.equal(await killOutcome('local', '::ffff:127.0.0.1'), 'killed');
  assert.equal(await killOutcome('local', '::1'), 'killed');
  assert.equal(await killOutcome('local', '203.0.113.7'), refused('local'));
});

test('T14 policy off: refused with error 9, even from loopback', async () => {
  assert.equal(await killOutcome('off', '127.0.0.1'), refused('off'));
});

test('T14 KILL_SERVICE closes every connection and the process exits 0', async () => {
  const proc = await spawnServer(['--log-level', 'info']);
  try {
    const bystander = await WireClient.connect(proc.port);
    bystander.send('HELO x\n');
    await bystander.nextReply();
    const silent = await WireClient.connect(proc.port); // not a byte sent: protocol unknown
    const killer = await WireClient.connect(proc.port);
    killer.send('KILL_SERVICE\n');
    assert.equal(await proc.exited, 0);
    await silent.expectClosed();
    await bystander.expectClosed();
    await killer.expectClosed();
    assert.equal(killer.pending, '', 'no reply to KILL_SERVICE');
    assert.equal(bystander.pending, '', 'no farewell on KILL_SERVICE');
  } finally {
    proc.kill();
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: queued output is sent, clients get error 14, the process exits 0`, async () => {
    const proc = await spawnServer(['--log-level', 'info']);
    try {
      const a = await WireClient.connect(proc.port);
      const b = await WireClient.connect(proc.port);
      const j = await joinRoom(a, 'room', 'alice');
      await joinRoom(b, 'room', 'bob');
      await a.expect(frame.joinedNotice(j.roomRef, 'bob'));
      // A chat and the signal back to back: the chat is still delivered before the close.
      a.send(request.chat(j.roomRef, j.joinId, 'alice', 'last words'));
      await a.expect(frame.chat(j.roomRef, 'alice', 'last words'));
      proc.child.kill(signal);
      await b.expect(frame.chat(j.roomRef, 'alice', 'last words'));
      for (const c of [a, b]) {
        await c.expect(frame.error(14, `Server shutting down: ${signal}`));
        await c.expectClosed();
      }
      assert.equal(await proc.exited, 0);
    } finally {
      proc.kill();
    }
  });
}
