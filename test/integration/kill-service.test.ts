/** T14: KILL_SERVICE under each policy, and the real process exiting 0 with every connection closed. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { ChatServer } from '../../src/server/chat-server.js';
import type { KillPolicy } from '../../src/server/options.js';
import { frame } from '../helpers/frames.js';
import { MemoryClient } from '../helpers/memory-client.js';
import { testOptions } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

function killOutcome(policy: KillPolicy, remote: string): Promise<'killed' | string> {
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
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  try {
    let log = '';
    child.stderr.setEncoding('utf8');
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr.on('data', (chunk: string) => {
        log += chunk;
        const m = /"port":(\d+),"msg":"listening"/.exec(log);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', () => reject(new Error(`server exited early: ${log}`)));
    });
    const bystander = await WireClient.connect(port);
    bystander.send('HELO x\n');
    await bystander.nextReply();
    const killer = await WireClient.connect(port);
    const exited = once(child, 'exit');
    killer.send('KILL_SERVICE\n');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    await bystander.expectClosed();
    await killer.expectClosed();
    assert.equal(killer.pending, '', 'no reply to KILL_SERVICE');
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
});
