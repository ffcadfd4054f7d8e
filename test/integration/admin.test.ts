/**
 * The admin HTTP port over real HTTP: /healthz, /readyz with pluggable checks, /metrics
 * whose values follow what the test does on the chat port, and readiness turning 503 the
 * moment a drain begins (SIGTERM to the real process), while clients are still served.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { httpGet, sample } from '../helpers/http.js';
import { spawnServer } from '../helpers/process.js';
import { startTestService, type TestService } from '../helpers/roomcast-service.js';
import { joinRoom } from '../helpers/session.js';
import { certFolder, type TestCert } from '../helpers/tls-cert.js';
import { WireClient } from '../helpers/wire-client.js';

let certs: Awaited<ReturnType<typeof certFolder>>;
let cert: TestCert;
before(async () => {
  certs = await certFolder();
  cert = await certs.make('admin');
});
after(() => certs.remove());

async function withService(
  argv: string[],
  body: (s: TestService, admin: number) => Promise<void>,
): Promise<void> {
  const s = await startTestService(['--admin-port', '0', ...argv]);
  try {
    const admin = s.service.ports.admin;
    assert.ok(admin !== undefined, 'an admin port');
    await body(s, admin);
  } finally {
    await s.stop();
  }
}

async function metrics(admin: number): Promise<string> {
  const r = await httpGet(admin, '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.type ?? '', /^text\/plain; version=0\.0\.4/);
  return r.body;
}

/** Scrapes until `name{labels}` is `value` (closes are seen by the server a little later). */
async function until(admin: number, name: string, labels: Record<string, string>, value: number) {
  let last: number | undefined;
  const deadline = Date.now() + 3000;
  for (;;) {
    last = sample(await metrics(admin), name, labels);
    if (last === value) return;
    if (Date.now() > deadline) {
      assert.fail(`${name}${JSON.stringify(labels)} is ${last}, not ${value}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('/healthz, unknown paths and methods', () =>
  withService([], async (_s, admin) => {
    assert.deepEqual(await httpGet(admin, '/healthz'), {
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'ok\n',
    });
    assert.equal((await httpGet(admin, '/healthz', 'HEAD')).body, '');
    assert.equal((await httpGet(admin, '/nothing')).status, 404);
    assert.equal((await httpGet(admin, '/healthz', 'POST')).status, 405);
  }));

test('/readyz: 200 when every check passes, 503 naming the one that fails', () =>
  withService([], async (s, admin) => {
    const ready = await httpGet(admin, '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(JSON.parse(ready.body), {
      status: 'ready',
      ready: true,
      checks: [
        { name: 'draining', ok: true },
        { name: 'capacity', ok: true },
      ],
    });
    // What cluster mode does: a named asynchronous check of its own.
    let reachable = true;
    s.service.readiness.add('redis', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (!reachable) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      return true;
    });
    assert.equal((await httpGet(admin, '/readyz')).status, 200);
    reachable = false;
    const down = await httpGet(admin, '/readyz');
    assert.equal(down.status, 503);
    const body = JSON.parse(down.body) as { status: string; checks: unknown[] };
    assert.equal(body.status, 'not ready');
    assert.deepEqual(body.checks[2], {
      name: 'redis',
      ok: false,
      detail: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
  }));

test('/readyz is 503 when the server is full', () =>
  withService(['--max-connections', '1'], async (_s, admin) => {
    const c = await WireClient.connect(_s.service.ports.tcp ?? 0);
    c.send('HELO x\n');
    await c.nextReply();
    const full = await httpGet(admin, '/readyz');
    assert.equal(full.status, 503);
    assert.match(full.body, /"name":"capacity","ok":false/);
    c.close();
  }));

test('/metrics follows what clients do: connections, requests, rooms, deliveries, errors, bytes', () =>
  withService(
    ['--tls-port', '0', '--tls-cert', cert.certFile, '--tls-key', cert.keyFile],
    async (s, admin) => {
      const port = s.service.ports.tcp ?? 0;
      const tcd = { protocol: 'tcd', transport: 'tcp' };
      const clients = await Promise.all([1, 2, 3].map(() => WireClient.connect(port)));
      const [a, b, c] = clients;
      if (a === undefined || b === undefined || c === undefined) throw new Error('connect');
      for (const [i, client] of clients.entries()) {
        client.send(`HELO ${i}\n`);
        await client.expect(frame.helo(String(i), port));
      }
      let text = await metrics(admin);
      assert.equal(sample(text, 'roomcast_connections', tcd), 3);
      assert.equal(sample(text, 'roomcast_requests_total', { protocol: 'tcd', type: 'helo' }), 3);
      assert.equal(sample(text, 'roomcast_rooms'), 0);
      c.close();
      await until(admin, 'roomcast_connections', tcd, 2);

      // Two members, a chat: 1 + 2 join notices, 2 chat deliveries.
      const ja = await joinRoom(a, 'metrics-room', 'alice');
      await joinRoom(b, 'metrics-room', 'bob');
      await a.expect(frame.joinedNotice(ja.roomRef, 'bob'));
      a.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'counted'));
      for (const m of [a, b]) await m.expect(frame.chat(ja.roomRef, 'alice', 'counted'));
      b.send('NONSENSE\n');
      await b.expect(frame.error(1, "Invalid message format: unknown request 'NONSENSE'"));
      // A direct-message connection and a TLS one, so both labels show.
      const dm = await WireClient.connect(port);
      dm.send('REGISTER TOSEND dave\n\n');
      await dm.expect('REGISTERED TOSEND dave\n\n');
      const secure = await WireClient.connectTls(s.service.ports.tls ?? 0, cert.pem);
      secure.send('HELO tls\n');
      await secure.expect(frame.helo('tls', s.service.ports.tls ?? 0));

      text = await metrics(admin);
      assert.equal(sample(text, 'roomcast_rooms'), 1);
      assert.equal(sample(text, 'roomcast_deliveries_total'), 5);
      assert.equal(sample(text, 'roomcast_requests_total', { protocol: 'tcd', type: 'join' }), 2);
      assert.equal(sample(text, 'roomcast_requests_total', { protocol: 'tcd', type: 'chat' }), 1);
      assert.equal(
        sample(text, 'roomcast_requests_total', { protocol: 'tcd', type: 'invalid' }),
        1,
      );
      assert.equal(sample(text, 'roomcast_requests_total', { protocol: 'tcd', type: 'helo' }), 4);
      assert.equal(
        sample(text, 'roomcast_requests_total', { protocol: 'col334', type: 'register' }),
        1,
      );
      assert.equal(sample(text, 'roomcast_error_replies_total', { code: '1' }), 1);
      assert.equal(sample(text, 'roomcast_error_replies_total', { code: '2' }), 0);
      assert.equal(sample(text, 'roomcast_connections', tcd), 2);
      assert.equal(
        sample(text, 'roomcast_connections', { protocol: 'col334', transport: 'tcp' }),
        1,
      );
      assert.equal(sample(text, 'roomcast_connections', { protocol: 'tcd', transport: 'tls' }), 1);
      assert.equal(sample(text, 'roomcast_connections_accepted_total', { transport: 'tcp' }), 4);
      assert.equal(sample(text, 'roomcast_connections_accepted_total', { transport: 'tls' }), 1);
      assert.equal(sample(text, 'roomcast_tls_handshake_failures_total'), 0);
      assert.equal(sample(text, 'roomcast_send_queue_bytes'), 0);
      // Every byte written reached a client, and each client read them all (c before it left).
      const helo = (t: string, p: number): number => Buffer.byteLength(frame.helo(t, p));
      const joined = Buffer.byteLength(frame.joined('metrics-room', port, ja.roomRef, 1));
      const notice = (n: string): number => Buffer.byteLength(frame.joinedNotice(ja.roomRef, n));
      const chat = Buffer.byteLength(frame.chat(ja.roomRef, 'alice', 'counted'));
      const tcpBytes =
        helo('0', port) +
        helo('1', port) +
        helo('2', port) +
        2 * joined +
        notice('alice') + // alice's join notice reached alice alone; bob's reached both
        2 * notice('bob') +
        2 * chat +
        Buffer.byteLength(frame.error(1, "Invalid message format: unknown request 'NONSENSE'")) +
        Buffer.byteLength('REGISTERED TOSEND dave\n\n');
      assert.equal(sample(text, 'roomcast_bytes_out_total', { transport: 'tcp' }), tcpBytes);
      assert.equal(
        sample(text, 'roomcast_bytes_out_total', { transport: 'tls' }),
        helo('tls', s.service.ports.tls ?? 0),
      );
      // The default process and Node metrics are there too.
      for (const name of [
        'process_cpu_seconds_total',
        'nodejs_eventloop_lag_seconds',
        'nodejs_heap_size_used_bytes',
        'process_resident_memory_bytes',
      ]) {
        assert.ok(sample(text, name) !== undefined, name);
      }
      assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m); // samples after a GC
      for (const client of [a, b, dm, secure]) client.close();
    },
  ));

test('/metrics counts refusals and cuts by cause', () =>
  withService(
    ['--limit-loopback', '--max-connections-per-address', '1', '--first-request-timeout-ms', '100'],
    async (s, admin) => {
      const port = s.service.ports.tcp ?? 0;
      const silent = await WireClient.connect(port);
      const refused = await WireClient.connect(port);
      await refused.expect(frame.error(12, 'Server full: at most 1 connections per address'));
      await silent.expect(frame.error(13, 'Idle timeout: no request answered within 100 ms'));
      await silent.expectClosed();
      const text = await metrics(admin);
      assert.equal(
        sample(text, 'roomcast_connections_refused_total', { cause: 'address-full' }),
        1,
      );
      assert.equal(
        sample(text, 'roomcast_connections_cut_total', { cause: 'first-request-timeout' }),
        1,
      );
      assert.equal(sample(text, 'roomcast_connections_cut_total', { cause: 'slow-reader' }), 0);
      assert.equal(sample(text, 'roomcast_error_replies_total', { code: '12' }), 1);
      assert.equal(sample(text, 'roomcast_error_replies_total', { code: '13' }), 1);
      assert.equal(s.logged('connection refused')[0]?.cause, 'address-full');
      assert.equal(s.logged('disconnecting')[0]?.cause, 'first-request-timeout');
    },
  ));

test('SIGTERM: /readyz is 503 from the start of the drain; clients are served until it ends', async () => {
  const proc = await spawnServer(['--admin-port', '0', '--drain-delay-ms', '1500']);
  try {
    const admin = proc.ports.admin ?? 0;
    assert.equal((await httpGet(admin, '/readyz')).status, 200);
    const c = await WireClient.connect(proc.port);
    proc.child.kill('SIGTERM');
    let status = 200;
    const deadline = Date.now() + 3000;
    while (status === 200 && Date.now() < deadline)
      status = (await httpGet(admin, '/readyz')).status;
    assert.equal(status, 503);
    const during = await httpGet(admin, '/readyz');
    assert.match(during.body, /"name":"draining","ok":false,"detail":"shutting down"/);
    assert.equal((await httpGet(admin, '/healthz')).status, 200, 'alive while draining');
    c.send('HELO during the drain\n');
    await c.expect(frame.helo('during the drain', proc.port, 'roomcast'));
    await c.expect(frame.error(14, 'Server shutting down: SIGTERM'), 5000);
    await c.expectClosed();
    assert.equal(await proc.exited, 0);
  } finally {
    proc.kill();
  }
});
