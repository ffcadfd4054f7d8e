// Programmatic wrapper around the C load generator (bench/loadgen.c): builds it when missing
// or stale, runs it against a server on 127.0.0.1:<port>, and returns its JSON report.
//
//   const r = await runLoadgen({ port, clients: 20, rooms: 2, senders: 2, messages: 50 });
//   assert.equal(r.deliveries, r.expected);
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = dirname(fileURLToPath(import.meta.url));
export const LOADGEN_SRC = join(benchDir, 'loadgen.c');
export const LOADGEN_BIN = join(benchDir, '.build', 'loadgen');

/** tcd: roomcast's chat-room protocol; irc: IRC (ngIRCd); nats: the NATS client protocol. */
export type Protocol = 'tcd' | 'irc' | 'nats';

/** The shape of the traffic; the same for every server. */
export interface Workload {
  /** Client i joins room i mod rooms (NATS: subscribes to subject room.<i mod rooms>). */
  clients: number;
  rooms: number;
  /** Clients 0..senders-1 send, so senders are spread over the rooms. */
  senders: number;
  /** Messages per sender. */
  messages: number;
  /** Total messages per second; 0 or absent = burst (as fast as the server takes them). */
  rate?: number;
  /** Message text size in bytes (default 64, so a delivered frame is about 100 bytes). */
  payload?: number;
  /** Burst: messages a sender may have in flight (sent, not yet seen by a peer); 0 = no limit. */
  window?: number;
  /** Hard wall-clock limit for the whole run, seconds (default 60). */
  timeoutS?: number;
}

export interface LoadgenOptions extends Workload {
  port: number;
  /**
   * Several nodes of one service (a roomcast cluster): when given, used instead of `port`.
   * Member k of room r (client i = r + k * rooms) connects to ports[(r + k) % ports.length],
   * so every room's members alternate over the nodes.
   */
  ports?: readonly number[];
  /** A loopback IPv4 address; the load generator refuses anything else. */
  host?: string;
  protocol?: Protocol;
  /** Max clients connecting/joining at once (default 8: ngIRCd's listen backlog is 10). */
  concurrency?: number;
  /** Stop waiting after this many seconds without progress (default 5). */
  settleS?: number;
  /** IRC only: senders send OPER <name> <pass> and MODE +F (ngIRCd's relaxed flood limit). */
  ircOper?: string;
  /** Called once every join is confirmed and the join notices drained, before any traffic. */
  onReady?: () => Promise<void> | void;
  signal?: AbortSignal;
}

export interface LoadgenResult {
  protocol: Protocol;
  deliveries: number;
  expected: number;
  elapsed_s: number;
  deliveries_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Data frames that did not parse or named a sender of another room. */
  foreign: number;
  /** ERROR_CODE replies, IRC error numerics and ERROR lines, NATS -ERR lines. */
  errors: number;
  disconnects: number;
  sent: number;
  notices: number;
  notices_expected: number;
  /** How many ports the clients were spread over (1 without `ports`). */
  nodes: number;
  /** Deliveries to a client on another port than the sender's, and their latency (0s if none). */
  cross_deliveries: number;
  cross_p50_ms: number;
  cross_p99_ms: number;
  cross_max_ms: number;
  connect_join_s: number;
  drain_s: number;
  loadgen_cpu_s: number;
  timed_out: boolean;
  phase: string;
  ok: boolean;
  exitCode: number;
  stderr: string;
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Compile the load generator if the binary is missing or older than its source. */
export function ensureLoadgen(): string {
  if (mtime(LOADGEN_BIN) >= mtime(LOADGEN_SRC)) return LOADGEN_BIN;
  mkdirSync(dirname(LOADGEN_BIN), { recursive: true });
  const tmp = `${LOADGEN_BIN}.${process.pid}.tmp`; // rename: concurrent builders never clash
  execFileSync('gcc', ['-O2', '-o', tmp, LOADGEN_SRC], { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(tmp, LOADGEN_BIN);
  return LOADGEN_BIN;
}

export function loadgenArgs(o: LoadgenOptions): string[] {
  const a = ['--proto', o.protocol ?? 'tcd', '--host', o.host ?? '127.0.0.1'];
  if (o.ports !== undefined && o.ports.length > 0) a.push('--ports', o.ports.join(','));
  else a.push('--port', String(o.port));
  a.push('--clients', String(o.clients), '--rooms', String(o.rooms));
  a.push('--senders', String(o.senders), '--messages', String(o.messages));
  const opt: [string, number | string | undefined][] = [
    ['--rate', o.rate],
    ['--payload', o.payload],
    ['--window', o.window],
    ['--timeout', o.timeoutS],
    ['--concurrency', o.concurrency],
    ['--settle', o.settleS],
    ['--irc-oper', o.ircOper],
  ];
  for (const [flag, v] of opt) if (v !== undefined) a.push(flag, String(v));
  if (o.onReady) a.push('--sync');
  return a;
}

function isResult(v: unknown): v is Omit<LoadgenResult, 'exitCode' | 'stderr'> {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return ['deliveries', 'expected', 'deliveries_per_s', 'p99_ms'].every(
    (k) => typeof r[k] === 'number',
  );
}

/** Run the load generator once; resolves with its report (ok=false if anything was missing). */
export async function runLoadgen(opts: LoadgenOptions): Promise<LoadgenResult> {
  const bin = ensureLoadgen();
  const child = spawn(bin, loadgenArgs(opts), {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  // Belt and braces: the load generator stops itself at --timeout; kill it if it does not.
  const limitMs = ((opts.timeoutS ?? 60) + 15) * 1000;
  const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  let stdout = '';
  let stderr = '';
  let lineBuf = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    lineBuf += d;
    let nl: number;
    while ((nl = lineBuf.indexOf('\n')) >= 0) {
      const line = lineBuf.slice(0, nl);
      lineBuf = lineBuf.slice(nl + 1);
      if (line === 'READY' && opts.onReady) {
        const go = (): void => {
          if (child.stdin.writable) child.stdin.end('go\n');
        };
        void Promise.resolve()
          .then(opts.onReady)
          .then(go, (e: unknown) => {
            stderr += `onReady failed: ${String(e)}\n`;
            go();
          });
      }
    }
  });
  child.stdin.on('error', () => {}); // the load generator may exit before reading stdin
  const exitCode = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
  }).finally(() => clearTimeout(killer));
  const last = stdout.trim().split('\n').pop() ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(last);
  } catch {
    parsed = undefined;
  }
  if (!isResult(parsed)) {
    throw new Error(`loadgen exited ${exitCode} without a report:\n${stderr}${stdout}`);
  }
  return { ...parsed, exitCode, stderr };
}
