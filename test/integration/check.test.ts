/**
 * `roomcast check` against roomcast itself: every check passes, KILL_SERVICE included, both
 * in-process and against a real `roomcast serve` (one process, and two workers); and the command
 * line's output and exit status.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { allChecks } from '../../src/check/index.js';
import { formatResult, runChecks, selectChecks } from '../../src/check/runner.js';
import { startNaiveServer } from '../fixtures/naive-server.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { startServer, type TestServer } from '../helpers/server.js';

const run = promisify(execFile);
const checkCli = (port: number): string[] => [
  '--import',
  'tsx',
  'src/cli/main.ts',
  'check',
  '--host',
  '127.0.0.1',
  '--port',
  String(port),
];
/** A failed run's stdout and exit status (execFile rejects on a non-zero exit). */
const failed = (err: { code: number; stdout: string }): { code: number; stdout: string } => err;

/** The PASS line of every check, KILL_SERVICE's included or not, in the order they run. */
const passLines = (withKill: boolean): string[] =>
  allChecks.filter((c) => withKill || c.group !== 'kill').map((c) => `PASS ${c.id} ${c.title}`);

/** The `roomcast check` output a document shows after its `$ roomcast check` line. */
async function documented(path: string, after: string): Promise<string[]> {
  const doc = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
  const from = doc.indexOf(after);
  assert.notEqual(from, -1, `${after} in ${path}`);
  const block = doc.slice(doc.indexOf('\n', doc.indexOf('$ ', from)) + 1);
  return block.slice(0, block.indexOf('```')).trimEnd().split('\n');
}

let srv: TestServer;
before(async () => {
  srv = await startServer();
  srv.server.on('kill', () => void srv.close()); // as `roomcast serve` does (T14)
});
after(() => srv.close());

test('every check passes against roomcast, KILL_SERVICE last', async () => {
  const lines: string[] = [];
  const settings = {
    host: '127.0.0.1',
    port: srv.port,
    timeoutMs: 1000,
    quietMs: 80,
    suffix: 'inproc',
  };
  const results = await runChecks(settings, {
    only: [],
    skipKill: false,
    onResult: (r) => lines.push(formatResult(r)),
  });
  // Every check ran and passed, each once, in order: nothing skipped, nothing extra.
  assert.deepEqual(lines, passLines(true));
  assert.equal(results.length, allChecks.length);
  assert.equal(lines[0], 'PASS course test-service scenario');
  assert.equal(lines.at(-1), 'PASS T14 KILL_SERVICE stops the server');
  for (let n = 1; n <= 14; n++)
    assert.ok(
      lines.some((l) => l.startsWith(`PASS T${n} `)),
      `a check for T${n}`,
    );
  // What the docs show a user is what a run prints: docs/clients.md in full, the README trimmed.
  const total = `${lines.length} passed, 0 failed`;
  assert.deepEqual(await documented('docs/clients.md', '### Example: roomcast'), [...lines, total]);
  const readme = await documented('README.md', 'exits 0 only if all pass');
  assert.equal(readme.at(-1), total);
  for (const l of readme.slice(0, -1)) assert.ok(l === '...' || lines.includes(l), l);
});

test('--only picks groups and rule ids; --skip-kill leaves T14 out', () => {
  const ids = (only: string[], skipKill = false): string[] =>
    selectChecks(only, skipKill).map((c) => c.id);
  assert.deepEqual(ids(['course']), ['course']);
  assert.deepEqual([...new Set(ids(['framing']))], ['T11']);
  assert.deepEqual(ids(['t3']), ['T3', 'T3']);
  assert.ok(!ids([], true).includes('T14'));
  assert.equal(ids([]).at(-1), 'T14');
});

for (const flags of [[], ['--workers', '2']])
  describe(`command line against \`${['roomcast serve', ...flags].join(' ')}\` (a real process)`, () => {
    let serve: ServerProcess;
    before(async () => {
      serve = await spawnServer(flags);
    });
    after(() => serve.kill());

    test('one PASS line per check, then the totals', async () => {
      const args = [...checkCli(serve.port), '--skip-kill', '--quiet', '80', '--timeout', '1000'];
      const { stdout } = await run('node', args, { timeout: 30_000 });
      // Every check but KILL_SERVICE, once each: a run of no checks cannot pass for one.
      const expected = passLines(false);
      assert.deepEqual(stdout.trimEnd().split('\n'), [
        ...expected,
        `${expected.length} passed, 0 failed`,
      ]);
    });

    test('KILL_SERVICE (last) closes every connection, and the process exits 0', async () => {
      const args = [...checkCli(serve.port), '--only', 'T14', '--timeout', '500'];
      const { stdout } = await run('node', args, { timeout: 30_000 }).catch(failed);
      assert.equal(stdout, 'PASS T14 KILL_SERVICE stops the server\n1 passed, 0 failed\n');
      const exited = await Promise.race([
        serve.exited,
        new Promise((r) => setTimeout(() => r('running'), 5000)),
      ]);
      assert.equal(exited, 0);
    });
  });

test('command line: a FAIL line says expected and got; exit 1; --json; unreachable server', async () => {
  const broken = await startNaiveServer({ noEcho: true });
  try {
    const bad = await run('node', [...checkCli(broken.port), '--only', 'T1', '--timeout', '300'], {
      timeout: 20_000,
    }).then(() => assert.fail('expected exit 1'), failed);
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stdout,
      'FAIL T1 echo to the sender: alice: expected CHAT 0 from alice: "echo check", got nothing within 300 ms\n' +
        '0 passed, 1 failed\n',
    );

    const json = await run('node', [...checkCli(broken.port), '--only', 'T4', '--json'], {
      timeout: 20_000,
    });
    const doc = JSON.parse(json.stdout) as {
      passed: number;
      failed: number;
      results: { id: string }[];
    };
    assert.deepEqual([doc.passed, doc.failed, doc.results[0]?.id], [1, 0, 'T4']);

    const down = await run('node', [...checkCli(1), '--timeout', '500'], { timeout: 20_000 }).then(
      () => assert.fail('expected exit 1'),
      failed,
    );
    assert.match(
      down.stdout,
      /^FAIL connect 127\.0\.0\.1:1: cannot connect .*\n0 passed, 1 failed\n$/,
    );
  } finally {
    await broken.close();
  }
});
