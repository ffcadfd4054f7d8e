/**
 * Both protocols over TLS, beside the plain port: a real handshake (node:tls, a certificate
 * made for this test) running the course scenario; a plain-text client on the TLS port is
 * refused without harm; certificates are reloaded without dropping connections; TLS only.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { courseScenario } from '../helpers/course-scenario.js';
import { frame } from '../helpers/frames.js';
import { startTestService, type TestService } from '../helpers/roomcast-service.js';
import { waitUntil } from '../helpers/wait.js';
import { joinRoom } from '../helpers/session.js';
import { certFolder, type TestCert } from '../helpers/tls-cert.js';
import { WireClient } from '../helpers/wire-client.js';

let certs: Awaited<ReturnType<typeof certFolder>>;
let first: TestCert;
before(async () => {
  certs = await certFolder();
  first = await certs.make('first');
});
after(() => certs.remove());

async function tlsService(cert: TestCert, more: string[] = []): Promise<TestService> {
  return startTestService([
    '--tls-port',
    '0',
    '--tls-cert',
    cert.certFile,
    '--tls-key',
    cert.keyFile,
    ...more,
  ]);
}

function tlsPort(s: TestService): number {
  const port = s.service.ports.tls;
  assert.ok(port !== undefined, 'a TLS port');
  return port;
}

test('the course scenario over TLS, byte for byte; HELO and JOINED name the TLS port (T9)', async () => {
  const s = await tlsService(first);
  try {
    const port = tlsPort(s);
    assert.notEqual(port, s.service.ports.tcp);
    await courseScenario(async () => {
      const c = await WireClient.connectTls(port, first.pem);
      assert.equal(c.peerFingerprint, first.fingerprint, 'the certificate this test made');
      return c;
    }, port);
  } finally {
    await s.stop();
  }
});

test('a plain-text client on the TLS port is refused, logged at debug, and harms nobody', async () => {
  const s = await tlsService(first);
  try {
    const port = tlsPort(s);
    const member = await WireClient.connectTls(port, first.pem);
    const j = await joinRoom(member, 'lobby', 'member');
    const plain = await WireClient.connect(port);
    plain.send('HELO plain\n');
    await plain.expectClosed();
    assert.equal(plain.pending, '', 'no reply of either protocol, in clear or otherwise');
    await waitUntil(() => s.service.acceptor.admittedCount === 1, 'the slot to be given back');
    const failed = s.logged('tls handshake failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.level, 20, 'at debug');
    // The member on TLS and a client of the plain port are served as before.
    member.send(request.chat(j.roomRef, j.joinId, 'member', 'still here'));
    await member.expect(frame.chat(j.roomRef, 'member', 'still here'));
    const tcpPort = s.service.ports.tcp ?? 0;
    const onPlainPort = await WireClient.connect(tcpPort);
    onPlainPort.send('HELO x\n');
    await onPlainPort.expect(frame.helo('x', tcpPort));
    member.close();
    onPlainPort.close();
  } finally {
    await s.stop();
  }
});

test('direct messages (COL334) over TLS too', async () => {
  const s = await tlsService(first);
  try {
    const c = await WireClient.connectTls(tlsPort(s), first.pem);
    c.send('REGISTER TOSEND alice\n\n');
    await c.expect('REGISTERED TOSEND alice\n\n');
    c.close();
  } finally {
    await s.stop();
  }
});

test('a reloaded certificate serves new connections; open ones stay', async () => {
  const live = await certs.make('live'); // the files the service reads, overwritten below
  const second = await certs.make('second', 'roomcast-second');
  const s = await tlsService(live);
  try {
    const port = tlsPort(s);
    const old = await WireClient.connectTls(port, live.pem);
    const j = await joinRoom(old, 'room', 'old');
    await copyFile(second.certFile, live.certFile);
    await copyFile(second.keyFile, live.keyFile);
    assert.equal(s.service.reloadTls(), true);
    const fresh = await WireClient.connectTls(port, second.pem);
    assert.equal(fresh.peerFingerprint, second.fingerprint, 'new connections get the new pair');
    await joinRoom(fresh, 'room', 'fresh');
    await old.expect(frame.joinedNotice(j.roomRef, 'fresh'));
    old.send(request.chat(j.roomRef, j.joinId, 'old', 'on the first certificate'));
    await old.expect(frame.chat(j.roomRef, 'old', 'on the first certificate'));
    await fresh.expect(frame.chat(j.roomRef, 'old', 'on the first certificate'));

    // A broken pair is refused and the one in use stays.
    await copyFile(first.keyFile, live.keyFile); // the key of another certificate
    assert.throws(() => s.service.reloadTls(), /cannot use .* with .*/);
    const after = await WireClient.connectTls(port, second.pem);
    assert.equal(after.peerFingerprint, second.fingerprint);
    for (const c of [old, fresh, after]) c.close();
  } finally {
    await s.stop();
  }
});

test('--tls-only: no plain port', async () => {
  const s = await tlsService(first, ['--tls-only']);
  try {
    assert.equal(s.service.ports.tcp, undefined);
    const c = await WireClient.connectTls(tlsPort(s), first.pem);
    c.send('HELO only\n');
    await c.expect(frame.helo('only', tlsPort(s)));
    c.close();
  } finally {
    await s.stop();
  }
});
