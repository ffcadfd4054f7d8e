/**
 * `roomcast check --url ws://…/ws`: every conformance scenario over the WebSocket gateway,
 * KILL_SERVICE included, in-process and against a real `roomcast serve --http-port`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { formatResult, runChecks, selectChecks } from '../../src/check/runner.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { startServer } from '../helpers/server.js';

const run = promisify(execFile);
const cli = (...args: string[]): string[] => ['--import', 'tsx', 'src/cli/main.ts', ...args];

test('every check passes over the WebSocket gateway, KILL_SERVICE last', async () => {
  // A quiet time well above the checks' 20 ms gaps between pieces, so a loaded machine's
  // late timer does not end a request the check is still sending (T11).
  const srv = await startServer({ web: {}, quietMs: 300 });
  srv.server.on('kill', () => void srv.close()); // as `roomcast serve` does (T14)
  const lines: string[] = [];
  const results = await runChecks(
    {
      host: '127.0.0.1',
      port: srv.httpPort,
      url: srv.wsUrl,
      timeoutMs: 1000,
      quietMs: 80,
      suffix: 'ws',
    },
    { only: [], skipKill: false, onResult: (r) => lines.push(formatResult(r)) },
  );
  assert.deepEqual(
    lines.filter((l) => !l.startsWith('PASS')),
    [],
  );
  assert.equal(results.length, selectChecks([], false).length);
  assert.equal(lines.at(-1), 'PASS T14 KILL_SERVICE stops the server');
  await srv.close();
});

describe('roomcast check --url against `roomcast serve --http-port` (a real process)', () => {
  let serve: ServerProcess;
  before(async () => {
    serve = await spawnServer(['--http-port', '0']);
  });
  after(() => serve.kill());

  test('one PASS line per check, then the totals; --json names the URL', async () => {
    const url = `ws://127.0.0.1:${serve.httpPort ?? 0}/ws`;
    const args = cli('check', '--url', url, '--skip-kill', '--quiet', '80', '--timeout', '1000');
    const { stdout } = await run('node', args, { timeout: 60_000 });
    const lines = stdout.trimEnd().split('\n');
    assert.deepEqual(
      lines.filter((l) => !l.startsWith('PASS ')),
      [`${lines.length - 1} passed, 0 failed`],
    );
    assert.equal(lines.length - 1, selectChecks([], true).length);

    const json = await run('node', cli('check', '--url', url, '--only', 'T9', '--json'), {
      timeout: 20_000,
    });
    const doc = JSON.parse(json.stdout) as { server: string; passed: number; failed: number };
    assert.deepEqual([doc.server, doc.passed, doc.failed], [url, 1, 0]);
  });

  test('a URL that is not a WebSocket one is a usage error', async () => {
    const bad = await run('node', cli('check', '--url', 'http://127.0.0.1:1/'), {
      timeout: 20_000,
    }).then(
      () => assert.fail('expected exit 2'),
      (err: { code: number; stderr: string }) => err,
    );
    assert.equal(bad.code, 2);
    assert.equal(
      bad.stderr,
      "roomcast: --url: a WebSocket URL begins with ws:// or wss://, not 'http://127.0.0.1:1/'\n",
    );
  });
});
