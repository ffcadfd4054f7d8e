/** `roomcast demo`: each request and reply printed, exit 0; a server that never answers: exit 1, quickly. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startNaiveServer } from '../fixtures/naive-server.js';
import { startServer } from '../helpers/server.js';

const run = promisify(execFile);
const demo = ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--host', '127.0.0.1'];

test('demo against roomcast: every request and reply, in order', async () => {
  const srv = await startServer();
  try {
    const { stdout } = await run('node', [...demo, '--port', String(srv.port)], {
      timeout: 15_000,
    });
    const room = /room (demo-[0-9a-f]{6})\n/.exec(stdout)?.[1] ?? '?';
    const sections = stdout.split('\n-- ').map((s) => s.split('\n')[0]);
    assert.deepEqual(sections.slice(1), [
      'HELO',
      'JOIN_CHATROOM',
      'CHAT',
      'LEAVE_CHATROOM',
      'LEAVE_CHATROOM again (T4)',
      'JOIN_CHATROOM again',
      'DISCONNECT',
    ]);
    assert.ok(
      stdout.includes(
        `C: HELO demo\nS: HELO demo\nS: IP:127.0.0.1\nS: Port:${srv.port}\nS: StudentID:test-id\n`,
      ),
    );
    assert.ok(stdout.includes(`S: JOINED_CHATROOM: ${room}\nS: SERVER_IP: 127.0.0.1\n`));
    assert.ok(stdout.includes('S: MESSAGE: hello from the demo\nS:\n'));
    assert.ok(
      stdout.endsWith(
        'S: MESSAGE: demo-client has left this chatroom.\nS:\n\n(connection closed by the server)\n',
      ),
    );
  } finally {
    await srv.close();
  }
});

test('demo against a server that never answers: exit 1 after the timeout', async () => {
  const mute = await startNaiveServer({ mute: true });
  try {
    const err = await run('node', [...demo, '--port', String(mute.port), '--timeout', '300'], {
      timeout: 15_000,
    }).then(
      () => assert.fail('expected exit 1'),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(err.code, 1);
    assert.ok(err.stdout.endsWith('C: HELO demo\n(no reply within 300 ms)\n'));
  } finally {
    await mute.close();
  }
});
