/**
 * TLS as people use it: `roomcast serve` with a TLS port as a real process, `roomcast client
 * --tls --ca FILE` against it, and SIGHUP re-reading the certificate while connections stay.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { waitUntil } from '../helpers/wait.js';
import { joinRoom } from '../helpers/session.js';
import { certFolder, type TestCert } from '../helpers/tls-cert.js';
import { WireClient } from '../helpers/wire-client.js';

let certs: Awaited<ReturnType<typeof certFolder>>;
let live: TestCert;
let proc: ServerProcess;
let tlsPort: number;
before(async () => {
  certs = await certFolder();
  live = await certs.make('live');
  proc = await spawnServer([
    '--tls-port',
    '0',
    '--tls-cert',
    live.certFile,
    '--tls-key',
    live.keyFile,
    '--student-id',
    'test-id',
  ]);
  tlsPort = proc.ports.tls ?? 0;
});
after(async () => {
  proc.kill();
  await certs.remove();
});

function client(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'client', '--port', String(tlsPort), ...args],
    { stdio: 'pipe' },
  );
  const timer = setTimeout(() => child.kill(), 15_000); // a hung client fails, never hangs
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

test('roomcast client --tls --ca FILE: a whole session over TLS', async () => {
  const r = await client(
    ['--tls', '--ca', live.certFile, '--name', 'alice'],
    'join lobby\nhello over tls\nleave lobby\n',
  );
  assert.equal(r.stderr, '');
  assert.equal(
    r.stdout,
    [
      `joined lobby (ROOM_REF 1, JOIN_ID 1, 127.0.0.1:${tlsPort})`,
      '[lobby] alice has joined this chatroom.',
      '[lobby] alice: hello over tls',
      'left lobby',
      '[lobby] alice has left this chatroom.',
      '',
    ].join('\n'),
  );
  assert.equal(r.code, 0);
});

test('roomcast client --tls without --ca refuses a self-signed server, and says what to do', async () => {
  const r = await client(['--tls', '--name', 'bob'], 'join lobby\n');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `roomcast: cannot connect to 127.0.0.1:${tlsPort}: DEPTH_ZERO_SELF_SIGNED_CERT (to trust the server's certificate: --ca FILE)\n`,
  );
});

test('SIGHUP re-reads the certificate; connections open before it go on', async () => {
  const old = await WireClient.connectTls(tlsPort, live.pem);
  assert.equal(old.peerFingerprint, live.fingerprint);
  const j = await joinRoom(old, 'hup-room', 'old');
  const next = await certs.make('next', 'roomcast-next');
  await copyFile(next.certFile, live.certFile);
  await copyFile(next.keyFile, live.keyFile);
  proc.child.kill('SIGHUP');
  await waitUntil(() => proc.logTail().includes('"msg":"tls certificate reloaded"'), 'the reload');
  const fresh = await WireClient.connectTls(tlsPort, next.pem);
  assert.equal(fresh.peerFingerprint, next.fingerprint);
  old.send(request.chat(j.roomRef, j.joinId, 'old', 'still connected'));
  await old.expect(frame.chat(j.roomRef, 'old', 'still connected'));
  assert.equal(proc.child.exitCode, null, 'SIGHUP does not stop the server');
  old.close();
  fresh.close();
});
