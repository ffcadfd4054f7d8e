// Benchmark runner: roomcast vs ngIRCd on the same fan-out workloads.
//
//   node --import tsx bench/run.ts [scenario...] [--runs N] [--only roomcast|ngircd]
//        [--roomcast-cmd "node dist/cli/main.js serve"] [--ngircd-oper] [--json out.json]
//
// Each run starts the server fresh on a free 127.0.0.1 port, drives it with the C load
// generator, samples the server's CPU (utime+stime) and RSS from /proc around the run, then
// kills it. Runs alternate between the servers; the table shows medians over --runs.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureLoadgen, runLoadgen, type LoadgenResult } from './loadgen.ts';
import { fmt, summarize, type Row, type ServerName } from './report.ts';
import { isScenarioName, scenarios, type Scenario, type ScenarioName } from './scenarios.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);
const HOST = '127.0.0.1';
const DEFAULT_ROOMCAST_CMD = 'node dist/cli/main.js serve';
const DEFAULT_SCENARIOS: ScenarioName[] = ['burst100', 'burst1000', 'rate495k', 'conn10k'];

interface ServerSpec {
  name: ServerName;
  protocol: 'tcd' | 'irc';
  command(port: number, dir: string): { cmd: string; args: string[] };
}

// ---- process bookkeeping: every child and temp dir is removed on exit, error or Ctrl-C ----
const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const abort = new AbortController();

function cleanupSync(): void {
  for (const c of live) c.kill('SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    process.stderr.write(`\n${sig}: stopping servers and the load generator\n`);
    abort.abort();
    cleanupSync();
    process.exit(130);
  });
}

// ---- /proc sampling ----
const CLK_TCK = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime + stime
  } catch {
    return NaN;
  }
}

function statusKb(pid: number, key: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return m?.[1] !== undefined ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

// ---- servers ----
function which(bin: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), ...extra];
  return dirs.map((d) => join(d, bin)).find((p) => existsSync(p));
}

function roomcastSpec(cmdline: string): ServerSpec {
  const words = cmdline.trim().split(/\s+/);
  return {
    name: 'roomcast',
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

function ngircdSpec(bin: string): ServerSpec {
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, HOST, () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, HOST);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await sleep(50);
  }
  const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
  throw new Error(`server did not start listening on ${HOST}:${port}\n${tail}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const closed = new Promise<void>((r) => child.once('close', () => r()));
    child.kill('SIGTERM');
    // ngIRCd closes thousands of connections slowly on SIGTERM; do not wait for it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await closed;
    clearTimeout(timer);
  }
  live.delete(child);
}

// ---- one run ----
async function runOnce(
  name: ScenarioName,
  sc: Scenario,
  spec: ServerSpec,
  run: number,
  oper: boolean,
): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), `roomcast-bench-${spec.name}-`));
  tempDirs.add(dir);
  const port = await freePort();
  const { cmd, args } = spec.command(port, dir);
  const log = join(dir, 'server.log');
  const fd = openSync(log, 'w');
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  live.add(child);
  child.on('error', () => {}); // reported by waitForPort
  let keep = true; // keep the server log of a failed run
  try {
    await waitForPort(port, child, log);
    const pid = child.pid ?? -1;
    await sleep(200);
    const rssStart = statusKb(pid, 'VmRSS');
    const cpuStart = cpuSeconds(pid);
    let rssReady = NaN;
    let cpuReady = NaN;
    const r: LoadgenResult = await runLoadgen({
      ...sc.workload,
      port,
      protocol: spec.protocol,
      ...(oper && spec.protocol === 'irc' ? { ircOper: 'bench:bench' } : {}),
      signal: abort.signal,
      onReady: async () => {
        if (sc.settleMs > 0) await sleep(sc.settleMs);
        rssReady = statusKb(pid, 'VmRSS');
        cpuReady = cpuSeconds(pid);
      },
    });
    const cpuEnd = cpuSeconds(pid);
    const hwm = statusKb(pid, 'VmHWM');
    const alive = child.exitCode === null && child.signalCode === null;
    if (!r.ok) process.stderr.write(r.stderr);
    const row: Row = {
      scenario: name,
      server: spec.name,
      run,
      ok: r.ok && alive,
      deliveries: r.deliveries,
      expected: r.expected,
      deliveries_per_s: r.deliveries_per_s,
      p50_ms: r.p50_ms,
      p99_ms: r.p99_ms,
      max_ms: r.max_ms,
      lost: r.lost,
      duplicated: r.duplicated,
      reordered: r.reordered,
      errors: r.errors,
      disconnects: r.disconnects,
      server_cpu_s: cpuEnd - cpuReady,
      server_cpu_total_s: cpuEnd - cpuStart,
      cpu_us_per_delivery: r.deliveries > 0 ? ((cpuEnd - cpuReady) * 1e6) / r.deliveries : NaN,
      loadgen_cpu_s: r.loadgen_cpu_s,
      rss_start_mb: rssStart / 1024,
      peak_rss_mb: hwm / 1024,
      rss_per_conn_kb: (rssReady - rssStart) / sc.workload.clients,
      connect_join_s: r.connect_join_s,
      log,
    };
    if (!alive) process.stderr.write(`${spec.name} died during the run\n`);
    // The generator is one thread: near a full core of CPU over the run, it set the pace.
    const loadgenBusy = r.loadgen_cpu_s / (r.elapsed_s + r.connect_join_s);
    if (loadgenBusy > 0.9) {
      process.stderr.write(
        `note: ${name} ${spec.name} #${run}: the load generator was busy ${(loadgenBusy * 100).toFixed(0)}% of the run; it may be the limit, not the server\n`,
      );
    }
    keep = !row.ok;
    return row;
  } finally {
    await stop(child);
    tempDirs.delete(dir);
    if (keep) process.stderr.write(`${spec.name} log kept: ${log}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main ----
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      'roomcast-cmd': { type: 'string' },
      'ngircd-oper': { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      readFileSync(fileURLToPath(import.meta.url), 'utf8')
        .split('\n')
        .slice(0, 9)
        .join('\n'),
    );
    console.log(
      `scenarios: ${Object.keys(scenarios).join(', ')} (default: ${DEFAULT_SCENARIOS.join(' ')})`,
    );
    return 0;
  }
  const names = positionals.length > 0 ? positionals : DEFAULT_SCENARIOS;
  const bad = names.filter((n) => !isScenarioName(n));
  if (bad.length > 0)
    throw new Error(
      `unknown scenario(s): ${bad.join(', ')}; known: ${Object.keys(scenarios).join(', ')}`,
    );
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs wants a positive integer');
  const only = values.only;
  if (only !== undefined && only !== 'roomcast' && only !== 'ngircd')
    throw new Error('--only roomcast|ngircd');

  const specs: ServerSpec[] = [];
  if (only !== 'ngircd') {
    const custom = values['roomcast-cmd'] ?? process.env.ROOMCAST_BENCH_CMD;
    if (custom === undefined && !existsSync(join(repoRoot, 'dist/cli/main.js'))) {
      console.error('roomcast: dist/cli/main.js not found (npm run build); skipping roomcast');
    } else {
      specs.push(roomcastSpec(custom ?? DEFAULT_ROOMCAST_CMD));
    }
  }
  if (only !== 'roomcast') {
    const bin = which('ngircd', ['/usr/sbin', '/usr/local/sbin']);
    if (bin === undefined)
      console.error('ngircd not found (apt-get install -y ngircd); skipping ngIRCd');
    else specs.push(ngircdSpec(bin));
  }
  if (specs.length === 0) throw new Error('no server to benchmark');
  ensureLoadgen();
  console.log(
    `roomcast bench: ${names.join(' ')} x ${runs} run(s); servers: ${specs.map((s) => s.name).join(', ')}`,
  );
  console.log(
    "note: the load generator and the server share this machine's cores; nothing is pinned.",
  );

  const rows: Row[] = [];
  for (const name of names as ScenarioName[]) {
    const sc: Scenario = scenarios[name];
    for (let run = 1; run <= runs; run++) {
      const order = run % 2 === 1 ? specs : [...specs].reverse(); // alternate who goes first
      for (const spec of order) {
        const row = await runOnce(name, sc, spec, run, values['ngircd-oper']);
        rows.push(row);
        console.log(
          `${name} ${spec.name} #${run}: ${row.ok ? 'ok' : 'FAILED'} ${row.deliveries}/${row.expected} ` +
            `${fmt(row.deliveries_per_s, 0)}/s p50 ${fmt(row.p50_ms, 2)} p99 ${fmt(row.p99_ms, 2)} ms ` +
            `cpu ${fmt(row.server_cpu_s, 2)} s rss ${fmt(row.peak_rss_mb, 1)} MB` +
            (name === 'conn10k' ? ` ${fmt(row.rss_per_conn_kb, 2)} KB/conn` : ''),
        );
      }
    }
  }
  summarize(rows, names as ScenarioName[]);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(rows, null, 2) + '\n');
  return rows.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
