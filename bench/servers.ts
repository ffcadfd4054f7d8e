// The servers the benchmark can drive, and starting and stopping one of them: roomcast (the
// current build), baseline (an earlier roomcast build), ngIRCd (IRC) and NATS. Each run gets a
// fresh process on a free 127.0.0.1 port.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Protocol } from './loadgen.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = dirname(benchDir);
export const HOST = '127.0.0.1';

/** In this order in the tables; ratios are roomcast / each of the others. */
export const SERVER_NAMES = ['roomcast', 'baseline', 'ngircd', 'nats'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export function isServerName(name: string): name is ServerName {
  return (SERVER_NAMES as readonly string[]).includes(name);
}

export interface ServerSpec {
  name: ServerName;
  protocol: Protocol;
  /** The process to start; it must be the server itself (CPU and RSS are read from its pid). */
  command(port: number, dir: string): { cmd: string; args: string[] };
}

export function which(bin: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extra];
  return dirs.map((d) => join(d, bin)).find((p) => existsSync(p));
}

/**
 * A roomcast build: `cmdline` is split on white space (no shell). Without `{port}` in it the
 * runner appends `--host 127.0.0.1 --port P --log-level warn`; with it, `{port}` and `{host}`
 * are substituted and nothing is appended.
 */
export function roomcastSpec(name: 'roomcast' | 'baseline', cmdline: string): ServerSpec {
  const words = cmdline.trim().split(/\s+/);
  return {
    name,
    protocol: 'tcd',
    command(port) {
      const hasPort = words.some((w) => w.includes('{port}'));
      const args = words
        .slice(1)
        .map((w) => w.replaceAll('{port}', String(port)).replaceAll('{host}', HOST));
      if (!hasPort) args.push('--host', HOST, '--port', String(port), '--log-level', 'warn');
      return { cmd: words[0] ?? 'node', args };
    },
  };
}

export function ngircdSpec(bin: string): ServerSpec {
  const template = readFileSync(join(benchDir, 'ngircd.conf.template'), 'utf8');
  return {
    name: 'ngircd',
    protocol: 'irc',
    command(port, dir) {
      mkdirSync(join(dir, 'conf.d'));
      const conf = join(dir, 'ngircd.conf');
      writeFileSync(conf, template.replaceAll('@PORT@', String(port)).replaceAll('@DIR@', dir));
      return { cmd: bin, args: ['-n', '-f', conf] };
    },
  };
}

/** nats-server with its shipped defaults (max_payload 1 MB, max_pending 64 MB, 10 s write deadline). */
export function natsSpec(bin: string): ServerSpec {
  return {
    name: 'nats',
    protocol: 'nats',
    command: (port) => ({ cmd: bin, args: ['-a', HOST, '-p', String(port)] }),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves true once `port` accepts a connection; false if the child exits or 15 s pass. */
async function waitForPort(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, HOST);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return true;
    await sleep(50);
  }
  return false;
}

export interface Launched {
  child: ChildProcess;
  port: number;
  /** The server's stdout and stderr. */
  log: string;
}

/**
 * Start `spec` on a free port with its output in `dir`/server.log and wait until it accepts.
 * `onSpawn` sees the child at once (so a caller can kill it on Ctrl-C); if the server does not
 * come up it is stopped and the error says why, with the log's tail.
 */
export async function launch(
  spec: ServerSpec,
  dir: string,
  onSpawn?: (child: ChildProcess) => void,
): Promise<Launched> {
  const port = await freePort();
  const { cmd, args } = spec.command(port, dir);
  const log = join(dir, 'server.log');
  const fd = openSync(log, 'w');
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let spawnError = '';
  child.on('error', (e) => (spawnError = ` (${cmd}: ${e.message})`)); // e.g. a missing binary
  onSpawn?.(child);
  if (!(await waitForPort(port, child))) {
    await stopServer(child);
    const exit = child.exitCode !== null ? ` (exit status ${child.exitCode})` : '';
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().slice(-2000) : '';
    throw new Error(
      `server did not start listening on ${HOST}:${port}${spawnError || exit}` +
        (tail ? `\n${tail}` : ''),
    );
  }
  return { child, port, log };
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  child.kill('SIGTERM');
  // ngIRCd closes thousands of connections slowly on SIGTERM; do not wait for it.
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await closed;
  clearTimeout(timer);
}
