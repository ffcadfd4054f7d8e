/**
 * The config file as the real process reads it: its settings take effect on the wire, the
 * environment and flags win over it, and a bad file stops `roomcast serve` with exit status 2
 * and a message naming the key and what it allows. Also `roomcast --version` and `--help`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { spawnServer } from '../helpers/process.js';
import { WireClient } from '../helpers/wire-client.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomcast-config-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function roomcast(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('a config file sets limits on the wire; the environment and flags win over it', async () => {
  const config = join(dir, 'roomcast.json');
  await writeFile(
    config,
    JSON.stringify({ 'max-rooms-per-connection': 7, 'student-id': 'from-file', 'quiet-ms': 40 }),
  );
  const proc = await spawnServer(['--config', config, '--quiet-ms', '50'], 30_000, {
    ...process.env,
    ROOMCAST_STUDENT_ID: 'from-env',
  });
  try {
    const c = await WireClient.connect(proc.port);
    c.send('HELO x\n');
    await c.expect(frame.helo('x', proc.port, 'from-env'));
    for (let i = 1; i <= 7; i++) {
      c.send(request.join(`room${i}`, 'seven'));
      await c.expect(frame.joined(`room${i}`, proc.port, i, 1) + frame.joinedNotice(i, 'seven'));
    }
    c.send(request.join('room8', 'seven'));
    await c.expect(frame.error(8, 'Too many chat rooms for this connection: at most 7'));
    c.close();
    assert.match(proc.logTail(), /"given":\{[^}]*"max-rooms-per-connection":"file"/);
    assert.match(proc.logTail(), /"student-id":"environment"/);
    assert.match(proc.logTail(), /"quiet-ms":"flag"/);
  } finally {
    proc.kill();
  }
});

test('bad config files: exit status 2, the key and what it allows', async () => {
  const cases: [string, string, RegExp][] = [
    [
      'unknown.json',
      '{"max-room": 5}',
      /"max-room" is not a setting \(did you mean "max-rooms"\?\)/,
    ],
    [
      'type.json',
      '{"port": "8080"}',
      /"port" must be an integer from 0 to 65535, not the string "8080"/,
    ],
    [
      'range.json',
      '{"max-rooms": 0}',
      /"max-rooms" must be an integer from 1 to 2147483647, not 0/,
    ],
    ['syntax.json', '{"port": 8080,}', /not valid JSON/],
  ];
  await Promise.all(
    cases.map(async ([name, text, message]) => {
      const path = join(dir, name);
      await writeFile(path, text);
      const r = await roomcast(['serve', '--port', '0', '--config', path]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^roomcast: config file ${path}: ${message.source}`));
      assert.equal(r.stdout, '');
    }),
  );
});

test('roomcast --version is package.json version; serve --help shows the groups', async () => {
  const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
  const [v, help] = await Promise.all([roomcast(['--version']), roomcast(['serve', '--help'])]);
  assert.deepEqual(v, { code: 0, stdout: `roomcast ${pkg.version}\n`, stderr: '' });
  assert.equal(help.code, 0);
  for (const group of [
    'General',
    'Listening',
    'Limits',
    'Cluster',
    'TLS',
    'Admin HTTP',
    'Logging',
  ]) {
    assert.ok(help.stdout.includes(`\n${group}:\n`), group);
  }
});
