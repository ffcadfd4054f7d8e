// The servers the benchmark can drive, and starting and stopping one of them: roomcast (the
// current build), baseline (an earlier roomcast build), workers2 (the current build with
// --workers 2), cluster1 and cluster2 (the current build in cluster mode over Redis: one node,
// two nodes), ngIRCd (IRC) and NATS. Each run gets fresh processes, each on a free 127.0.0.1
// port.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Protocol } from './loadgen.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = dirname(benchDir);
export const HOST = '127.0.0.1';

/** In this order in the tables; ratios are roomcast / each of the others. */
export const SERVER_NAMES = [
  'roomcast',
  'baseline',
  'workers2',
  'cluster1',
  'cluster2',
  'ngircd',
  'nats',
] as const;
export type ServerName = (typeof SERVER_NAMES)[number];
/** The servers that need a Redis; run only when named in --only. */
export const CLUSTER_NAMES = ['cluster1', 'cluster2'] as const;

export function isServerName(name: string): name is ServerName {
  return (SERVER_NAMES as readonly string[]).includes(name);
}

export interface ServerSpec {
  name: ServerName;
  protocol: Protocol;
  /** How many processes make up the server, each on its own port (default 1). */
  nodes?: number;
  /**
   * The process to start as node `node` (0-based); it must be the server itself (CPU and RSS
   * are read from its pid).
   */
  command(port: number, dir: string, node: number): { cmd: string; args: string[] };
  /** Cluster mode: the Redis the nodes share and the key prefix of the run in `dir`. */
  cluster?: { redis: string; prefix(dir: string): string };
  /**
   * Up only once its log has `count` lines that include `text` (every worker's `serving`: the
   * port accepts as soon as the first worker listens, and connections made before the others
   * listen would all go to it). Its processes are then the one started and its children.
   */
  ready?: { text: string; count: number };
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
export function roomcastSpec(
  name: 'roomcast' | 'baseline' | 'workers2' | 'cluster1' | 'cluster2',
  cmdline: string,
): ServerSpec {
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

/**
 * The roomcast command `cmdline` (as for roomcastSpec) with `--workers 2`, rooms shared
 * through the primary's hub (no Redis). Its log level is info, for the workers' `serving`
 * lines; that also logs each connection's opening and closing (a line each, no more).
 */
export function workersSpec(cmdline: string): ServerSpec {
  const plain = roomcastSpec('workers2', cmdline);
  return {
    ...plain,
    ready: { text: '"msg":"serving"', count: 2 },
    command(port, dir, node) {
      const c = plain.command(port, dir, node);
      const level = c.args.indexOf('--log-level');
      if (level !== -1) c.args.splice(level, 2);
      c.args.push('--workers', '2', '--log-level', 'info');
      return c;
    },
  };
}

/**
 * The roomcast command `cmdline` (as for roomcastSpec) in cluster mode, as `nodes` processes:
 * each gets `--redis <redis> --redis-prefix <a prefix unique to the run> --node-id n<k>`
 * appended. cluster1 (one node) is the Redis path alone; cluster2 spreads the clients.
 */
export function clusterSpec(
  name: 'cluster1' | 'cluster2',
  cmdline: string,
  redis: string,
  nodes: number,
): ServerSpec {
  const plain = roomcastSpec(name, cmdline);
  // The run's directory is fresh (mkdtemp), so its name makes the prefix unique.
  const prefix = (dir: string): string => `rcbench:${process.pid}:${basename(dir)}:`;
  return {
    ...plain,
    nodes,
    cluster: { redis, prefix },
    command(port, dir, node) {
      const c = plain.command(port, dir, node);
      c.args.push('--redis', redis, '--redis-prefix', prefix(dir), '--node-id', `n${node + 1}`);
      return c;
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

/** True once `spec.ready`'s lines are in the node's log (at once without it); false after 15 s. */
async function waitForLog(spec: ServerSpec, node: LaunchedNode): Promise<boolean> {
  const ready = spec.ready;
  if (ready === undefined) return true;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (node.child.exitCode !== null || node.child.signalCode !== null) break;
    const log = existsSync(node.log) ? readFileSync(node.log, 'utf8') : '';
    if (log.split(ready.text).length - 1 >= ready.count) return true;
    await sleep(50);
  }
  return false;
}

/** `pids` and all their descendants (the workers of a --workers primary). */
export function processTree(pids: readonly number[]): number[] {
  const out: number[] = [];
  const visit = (pid: number): void => {
    out.push(pid);
    let children: string;
    try {
      children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    } catch {
      return; // gone, or not a pid
    }
    for (const c of children.trim().split(/\s+/)) if (c !== '') visit(Number(c));
  };
  for (const pid of pids) visit(pid);
  return out;
}

export interface LaunchedNode {
  child: ChildProcess;
  port: number;
  /** The node's stdout and stderr. */
  log: string;
}

/** A started server: its first (or only) node's child, port and log, and every node. */
export interface Launched extends LaunchedNode {
  nodes: LaunchedNode[];
}

/** Where each node of `spec` writes its output: server.log, or n1.log, n2.log, ... */
export function nodeLogs(spec: ServerSpec, dir: string): string[] {
  const count = spec.nodes ?? 1;
  if (count === 1) return [join(dir, 'server.log')];
  return Array.from({ length: count }, (_, k) => join(dir, `n${k + 1}.log`));
}

/**
 * Start `spec` on a free port per node with each node's output in `dir` (server.log; n1.log,
 * n2.log, ... for several nodes) and wait until every node accepts. `onSpawn` sees each child
 * at once (so a caller can kill it on Ctrl-C); if a node does not come up every node is
 * stopped and the error says why, with that node's log tail.
 */
export async function launch(
  spec: ServerSpec,
  dir: string,
  onSpawn?: (child: ChildProcess) => void,
): Promise<Launched> {
  const logs = nodeLogs(spec, dir);
  const count = logs.length;
  const nodes: (LaunchedNode & { spawnError: string })[] = [];
  for (const [k, log] of logs.entries()) {
    let port = await freePort();
    while (nodes.some((n) => n.port === port)) port = await freePort(); // not started yet
    const { cmd, args } = spec.command(port, dir, k);
    const fd = openSync(log, 'w');
    const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const node = { child, port, log, spawnError: '' };
    // e.g. a missing binary
    child.on('error', (e) => (node.spawnError = ` (${cmd}: ${e.message})`));
    onSpawn?.(child);
    nodes.push(node);
  }
  const up = await Promise.all(
    nodes.map(async (n) => (await waitForPort(n.port, n.child)) && waitForLog(spec, n)),
  );
  const down = nodes.find((_, k) => !up[k]);
  if (down !== undefined) {
    await Promise.all(nodes.map((n) => stopServer(n.child)));
    const exit = down.child.exitCode !== null ? ` (exit status ${down.child.exitCode})` : '';
    const tail = existsSync(down.log) ? readFileSync(down.log, 'utf8').trim().slice(-2000) : '';
    const which = count === 1 ? 'server' : `node ${basename(down.log, '.log')}`;
    throw new Error(
      `${which} did not start listening on ${HOST}:${down.port}${down.spawnError || exit}` +
        (tail ? `\n${tail}` : ''),
    );
  }
  const all = nodes.map(({ child, port, log }) => ({ child, port, log }));
  const first = all[0];
  if (first === undefined) throw new Error(`${spec.name}: no node to start`);
  return { ...first, nodes: all };
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
