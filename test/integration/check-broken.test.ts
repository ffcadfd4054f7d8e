/**
 * `roomcast check` against servers that are not roomcast (test/fixtures/naive-server.ts): a
 * correct one that makes other choices where the protocol allows (0-based ids, repeated join
 * notice) passes everything; each deliberately broken one fails the checks of the rule it breaks,
 * and a server that breaks T4 the way the course's service accepted still passes its scenario.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allChecks } from '../../src/check/index.js';
import { runChecks } from '../../src/check/runner.js';
import { startNaiveServer, type Flaws } from '../fixtures/naive-server.js';

async function failures(
  flaws: Flaws,
  only: string[] = [],
  timeoutMs = 1000,
): Promise<{ failed: string[]; passed: string[]; details: string[] }> {
  const server = await startNaiveServer(flaws);
  try {
    const settings = { host: '127.0.0.1', port: server.port, timeoutMs, quietMs: 50, suffix: 'fx' };
    const results = await runChecks(settings, { only, skipKill: false });
    const name = (r: (typeof results)[number]): string => `${r.id} ${r.title}`;
    return {
      failed: results.filter((r) => !r.passed).map(name),
      passed: results.filter((r) => r.passed).map(name),
      details: results.flatMap((r) => (r.detail === undefined ? [] : [r.detail])),
    };
  } finally {
    await server.close();
  }
}

test('a different but correct server passes every check (0-based ids, repeated join notice)', async () => {
  const { failed, passed } = await failures({});
  assert.deepEqual(failed, []);
  assert.ok(passed.includes('T14 KILL_SERVICE stops the server'));
});

test('no echo to the sender: T1 fails', async () => {
  const { failed, passed } = await failures({ noEcho: true }, ['course', 'T1', 'T4', 'T9'], 300);
  assert.deepEqual(failed, ['course test-service scenario', 'T1 echo to the sender']);
  assert.deepEqual(passed, [
    'T4 repeated LEAVE: LEFT_CHATROOM again, no second leave notice',
    'T9 HELO reply',
  ]);
});

test('the leave notice again on a repeated LEAVE: the course scenario passes, only T4 fails', async () => {
  const { failed, passed, details } = await failures({ repeatLeaveNotice: true });
  assert.deepEqual(failed, ['T4 repeated LEAVE: LEFT_CHATROOM again, no second leave notice']);
  assert.equal(passed[0], 'course test-service scenario');
  assert.equal(passed.length + failed.length, allChecks.length);
  assert.match(
    details[0] ?? '',
    /: expected no second leave notice for a repeated LEAVE \(T4\), got CHAT \d+ from bob: "bob has left this chatroom\."$/,
  );
});

test('LEFT_CHATROOM after the leave notice: T3 fails', async () => {
  const { failed } = await failures({ leftAfterNotice: true }, ['rules']);
  assert.ok(failed.includes('T3 leave order'));
  assert.ok(failed.includes('T3 leave during a chat flood'));
  assert.ok(!failed.some((f) => /^T(1|2|5|6|7|9|13) /.test(f)), failed.join('; '));
});

test('no leave notices on disconnect: the T6 checks fail', async () => {
  const { failed } = await failures({ silentDisconnect: true }, ['course', 'rules'], 300);
  assert.deepEqual(failed, [
    'course test-service scenario',
    'T6 DISCONNECT notices, then close',
    'T6 dropped connection notices',
    'T7 ROOM_REF stable per room name', // both T7 checks wait for a dropped member's notice
    'T7 JOIN_ID per connection, never reused',
  ]);
});

test('`KEY:value` rejected: only the T11 no-space check fails', async () => {
  const { failed } = await failures({ strictColonSpace: true }, ['framing', 'errors']);
  assert.deepEqual(failed, ['T11 KEY:value without a space']);
});

test('a server that never answers: every check fails in bounded time, none hangs', async () => {
  const started = Date.now();
  const { failed, passed } = await failures({ mute: true }, ['rules'], 100);
  assert.equal(passed.length, 0);
  assert.ok(failed.length > 10);
  assert.ok(Date.now() - started < 10_000);
});
