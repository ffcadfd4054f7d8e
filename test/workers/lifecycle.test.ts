/**
 * `roomcast serve --workers 2` as a process, its workers as a user meets them: one service
 * behind one port, with members of one room on different workers, in the two ways rooms span
 * them (the primary's hub, or Redis with `--redis`, through `./start.sh` as the lab runs it).
 *
 * - A worker that dies (SIGKILL) is replaced, and its members' leave notices reach the members
 *   on the other worker; the rooms go on.
 * - KILL_SERVICE, sent to either worker, and SIGTERM to the primary stop every process.
 *
 * Which worker a client reached is read from the server's log: its `connection opened` line
 * names the client's address and port (once it has sent a request), and pino puts the worker's
 * pid on every line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { adoptServer, spawnServer, type ServerProcess } from '../helpers/process.js';
import { deleteKeys, keysUnder, SHARED_REDIS, uniquePrefix } from '../helpers/redis.js';
import { joinRoom } from '../helpers/session.js';
import { waitUntil } from '../helpers/wait.js';
import { WireClient } from '../helpers/wire-client.js';

const LIFETIME_MS = 60_000;

/** The pid of the worker that took `c`'s connection (logged once it has spoken). */
async function workerOf(proc: ServerProcess, c: WireClient): Promise<number> {
  c.send(request.helo('which worker'));
  await c.nextReply();
  const line = await proc.waitForLog(
    new RegExp(`"remote":"127\\.0\\.0\\.1:${c.socket.localPort}".*"connection opened"`),
  );
  return Number(/"pid":(\d+)/.exec(line)?.[1]);
}

/** Connects until one client has reached each of `pids`, in that order (a few tries each). */
async function onWorkers(
  proc: ServerProcess,
  pids: readonly number[],
  open: WireClient[],
): Promise<WireClient[]> {
  const out: WireClient[] = [];
  for (const pid of pids) {
    for (let tries = 0; ; tries++) {
      assert.ok(tries < 20, `no connection reached worker ${pid}`);
      const c = await WireClient.connect(proc.port);
      open.push(c);
      if ((await workerOf(proc, c)) === pid) {
        out.push(c);
        break;
      }
    }
  }
  return out;
}

/** The pids of the workers that logged `serving`, in order. */
const servingPids = (proc: ServerProcess): number[] =>
  proc.logged(/"msg":"serving"/).map((line) => Number(/"pid":(\d+)/.exec(line)?.[1]));

/** The next `n` replies of `c`, as raw frames, sorted (one leaver's notices to several rooms are ordered, several leavers' are not). */
async function nextSorted(c: WireClient, n: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < n) out.push((await c.nextReply(10_000)).raw);
  return out.sort();
}

/** A port free a moment ago (for a command that must be given one). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function workerDies(proc: ServerProcess): Promise<void> {
  const open: WireClient[] = [];
  try {
    const [w1, w2] = servingPids(proc);
    if (w1 === undefined || w2 === undefined) throw new Error(`two workers: ${proc.logTail()}`);
    assert.notEqual(w1, w2);
    const [alice, bob, carol] = await onWorkers(proc, [w1, w2, w2], open);
    if (!alice || !bob || !carol) throw new Error('clients');
    // Room one spans both workers; room two lives on the worker that dies.
    const one = await joinRoom(alice, 'one', 'alice');
    await joinRoom(bob, 'one', 'bob');
    await joinRoom(carol, 'one', 'carol');
    await alice.expect(
      frame.joinedNotice(one.roomRef, 'bob') + frame.joinedNotice(one.roomRef, 'carol'),
    );
    const two = await joinRoom(carol, 'two', 'carol');

    process.kill(w2, 'SIGKILL');
    // bob's and carol's leave notices reach alice, each once, and nothing else does.
    assert.deepEqual(
      await nextSorted(alice, 2),
      [frame.leftNotice(one.roomRef, 'bob'), frame.leftNotice(one.roomRef, 'carol')].sort(),
    );
    await proc.waitForLog(/"msg":"worker died; starting another"/);
    await waitUntil(() => servingPids(proc).length === 3, 'a worker in its place', {
      timeoutMs: 20_000,
    });
    const w3 = servingPids(proc)[2] as number;
    assert.ok(!servingPids(proc).slice(0, 2).includes(w3), 'the new worker is a new process');

    // The room goes on, with a member on the new worker; room two was forgotten with carol (T7).
    const [dave] = await onWorkers(proc, [w3], open);
    if (!dave) throw new Error('clients');
    const jd = await joinRoom(dave, 'one', 'dave');
    assert.equal(jd.roomRef, one.roomRef);
    await alice.expect(frame.joinedNotice(one.roomRef, 'dave'));
    alice.send(request.chat(one.roomRef, one.joinId, 'alice', 'still here'));
    for (const c of [alice, dave]) await c.expect(frame.chat(one.roomRef, 'alice', 'still here'));
    const again = await joinRoom(dave, 'two', 'dave');
    assert.notEqual(again.roomRef, two.roomRef, 'room two was forgotten and made anew');
    await alice.expectNothing();
  } finally {
    for (const c of open) c.close();
  }
}

test('--workers 2 (the hub): a worker killed is replaced and its members leave every room', async (t) => {
  const proc = await spawnServer(['--workers', '2'], LIFETIME_MS);
  t.after(() => proc.kill());
  await workerDies(proc);
  assert.equal(await proc.stop(), 0);
});

test('./start.sh PORT --workers 2 --redis --redis-prefix: the same over Redis, each worker a node', async (t) => {
  const prefix = uniquePrefix('workers');
  t.after(() => deleteKeys(prefix));
  // start.sh takes a port; the test picks a free one by asking for one and giving it back.
  const port = await freePort();
  const child = spawn(
    './start.sh',
    [
      String(port),
      '--host',
      '127.0.0.1',
      '--workers',
      '2',
      '--redis',
      SHARED_REDIS,
      '--redis-prefix',
      prefix,
      '--node-timeout-ms',
      '3000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const proc = await adoptServer(child, ['--workers', '2'], LIFETIME_MS);
  t.after(() => proc.kill());
  await workerDies(proc);
  assert.equal(await proc.stop(), 0);
  // No room outlives the service (T7); a forgotten room's log only waits out its expiry.
  const keys = await keysUnder(prefix);
  assert.deepEqual(
    keys.filter((k) => k === `${prefix}names` || (k.includes(':room:') && !k.endsWith(':log'))),
    [],
  );
});

test('KILL_SERVICE to either worker stops them all, and SIGTERM to the primary does', async (t) => {
  for (const via of [0, 1, 'SIGTERM'] as const) {
    const proc = await spawnServer(['--workers', '2'], LIFETIME_MS);
    t.after(() => proc.kill());
    const pids = servingPids(proc);
    const open: WireClient[] = [];
    const clients = await onWorkers(proc, pids, open);
    for (const [i, c] of clients.entries()) await joinRoom(c, 'r', `m${i}`);
    if (via === 'SIGTERM') proc.child.kill('SIGTERM');
    else clients[via]?.send(request.kill());
    for (const c of clients) await c.expectClosed(5000);
    assert.equal(await proc.exited, 0, `${String(via)}: ${proc.logTail()}`);
    for (const pid of pids) assert.ok(!alive(pid), `worker ${pid} outlived the service`);
  }
});

test('workers that cannot start (the port is taken) make the service stop with status 1, not retry forever', async (t) => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const { port } = taken.address() as net.AddressInfo;
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
      String(port),
      '--workers',
      '2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const guard = setTimeout(() => child.kill('SIGKILL'), 50_000);
  t.after(() => {
    clearTimeout(guard);
    child.kill('SIGKILL');
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1, log.slice(-2000));
  assert.match(log, /workers keep dying within 10000 ms of starting: stopping the service/);
  assert.match(log, /EADDRINUSE/);
});
