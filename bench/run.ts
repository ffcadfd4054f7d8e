// Benchmark runner: roomcast against its peers (ngIRCd, NATS), an earlier build of itself and
// its own cluster mode, on the same fan-out workloads, in one invocation.
//
//   node --import tsx bench/run.ts [scenario...] [--runs N]
//        [--only roomcast,baseline,workers2,cluster1,cluster2,ngircd,nats]
//        [--roomcast-cmd "node dist/cli/main.js serve"] [--baseline-cmd "node /old/dist/cli/main.js serve"]
//        [--redis redis://127.0.0.1:6379] [--ngircd-oper] [--warmup N] [--json out.json]
//
// Each run starts the server fresh on a free 127.0.0.1 port (a cluster: each node on its own),
// drives it with the C load generator, samples the server's CPU (utime+stime) and RSS from
// /proc around the run, then kills it (a cluster: then removes the run's Redis keys). The
// order of the servers rotates from run to run; the table shows medians over --runs. With
// --warmup N the fresh server first serves the scenario's load N times unmeasured (not for
// the memory scenarios), as a server that has been running would have.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureLoadgen, runLoadgen } from './loadgen.ts';
import { DEFAULT_REDIS, deleteKeys, loopbackRedis, RedisProbe } from './redis.ts';
import { failedRow, fmt, rowOf, summarize, type Row, type Samples } from './report.ts';
import { isScenarioName, scenarios, type Scenario, type ScenarioName } from './scenarios.ts';
import {
  CLUSTER_NAMES,
  clusterSpec,
  isServerName,
  launch,
  ngircdSpec,
  nodeLogs,
  natsSpec,
  processTree,
  repoRoot,
  roomcastSpec,
  SERVER_NAMES,
  sleep,
  stopServer,
  which,
  workersSpec,
  type ServerName,
  type ServerSpec,
} from './servers.ts';

// What start.sh runs.
const DEFAULT_ROOMCAST_CMD = 'node dist/cli/main.js serve';
const DEFAULT_SCENARIOS: ScenarioName[] = ['burst100', 'burst1000', 'rate495k', 'conn10k'];
const SBIN = ['/usr/sbin', '/usr/local/sbin'];

// ---- process bookkeeping: every child and temp dir is removed on exit, error or Ctrl-C ----
const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
/** Cluster runs whose Redis keys are not removed yet: prefix -> Redis URL. */
const redisPrefixes = new Map<string, string>();
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
    // The nodes are dead (SIGKILL); remove their keys, but do not hang on a Redis gone too.
    const keys = [...redisPrefixes].map(([prefix, url]) => deleteKeys(url, prefix));
    void Promise.race([Promise.allSettled(keys), sleep(2000)]).finally(() => process.exit(130));
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

/** The sum over the server's processes (a cluster's nodes); NaN if one cannot be read. */
function sum(pids: readonly number[], read: (pid: number) => number): number {
  return pids.reduce((acc, pid) => acc + read(pid), 0);
}

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

// ---- one run ----
/** Warnings and errors in a failed run's server log (NATS's "Slow Consumer", ngIRCd's cuts). */
function logHighlights(log: string): string[] {
  if (!existsSync(log)) return [];
  const re = /slow consumer|exhausted|\[(WRN|ERR|FTL)\]|"level":[456]0|error/i;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => re.test(l))
    .slice(-5)
    .map((l) => l.slice(0, 240));
}

/**
 * One run of one scenario against one server. Never throws for a server that cannot do the
 * run (does not start, makes the load generator fail): that comes back as a failed row.
 */
async function runOnce(
  name: ScenarioName,
  sc: Scenario,
  spec: ServerSpec,
  run: number,
  oper: boolean,
  warmups: number,
): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), `roomcast-bench-${spec.name}-`));
  tempDirs.add(dir);
  const started: ChildProcess[] = [];
  const logs = nodeLogs(spec, dir);
  // The row names the log file, or for several nodes the directory that holds theirs.
  const log = logs.length === 1 ? (logs[0] ?? dir) : dir;
  const prefix = spec.cluster?.prefix(dir);
  let redis: RedisProbe | undefined;
  let keep = true; // keep the server log of a failed run
  try {
    if (spec.cluster !== undefined && prefix !== undefined) {
      redisPrefixes.set(prefix, spec.cluster.redis);
      redis = await RedisProbe.connect(spec.cluster.redis).catch((e: unknown) => {
        throw new Error(`no Redis at ${spec.cluster?.redis}: ${String(e)}`);
      });
    }
    const srv = await launch(spec, dir, (c) => (started.push(c), live.add(c)));
    // Every process of the server: a --workers primary's workers too (started by now).
    const pids = processTree(srv.nodes.map((n) => n.child.pid ?? -1));
    const load = {
      ...sc.workload,
      port: srv.port,
      ...(srv.nodes.length > 1 ? { ports: srv.nodes.map((n) => n.port) } : {}),
      protocol: spec.protocol,
      ...(oper && spec.protocol === 'irc' ? { ircOper: 'bench:bench' } : {}),
      signal: abort.signal,
    };
    for (let w = 1; w <= (sc.memory ? 0 : warmups); w++) {
      const warm = await runLoadgen(load);
      if (!warm.ok) throw new Error(`warm-up ${w} failed: ${warm.stderr.trim().slice(-300)}`);
    }
    await sleep(200);
    const rssStart = sum(pids, (p) => statusKb(p, 'VmRSS'));
    const cpuStart = sum(pids, cpuSeconds);
    let rssReady = NaN;
    let cpuReady = NaN;
    let redisCpuReady = NaN;
    const r = await runLoadgen({
      ...load,
      onReady: async () => {
        if (sc.settleMs > 0) await sleep(sc.settleMs);
        rssReady = sum(pids, (p) => statusKb(p, 'VmRSS'));
        cpuReady = sum(pids, cpuSeconds);
        if (redis !== undefined) redisCpuReady = await redis.cpuSeconds();
      },
    });
    const cpuEnd = sum(pids, cpuSeconds);
    const redisCpuEnd = redis !== undefined ? await redis.cpuSeconds() : NaN;
    // A sum of peaks: at least the peak of the sum (the nodes need not peak together).
    const hwm = sum(pids, (p) => statusKb(p, 'VmHWM'));
    const alive = srv.nodes.every((n) => n.child.exitCode === null && n.child.signalCode === null);
    const samples: Samples = {
      alive,
      rssStart,
      rssReady,
      cpuStart,
      cpuReady,
      cpuEnd,
      hwm,
      redisCpuReady,
      redisCpuEnd,
    };
    const row = rowOf(name, sc.workload.clients, spec.name, run, r, samples, log);
    if (!r.ok) process.stderr.write(r.stderr);
    if (!alive) process.stderr.write(`${spec.name}: a server process died during the run\n`);
    // The generator is one thread: near a full core of CPU over the run, it set the pace.
    // (Below a quarter second of CPU the ratio is clock-tick noise.)
    const loadgenBusy = r.loadgen_cpu_s / (r.elapsed_s + r.connect_join_s);
    if (loadgenBusy > 0.9 && r.loadgen_cpu_s >= 0.25) {
      process.stderr.write(
        `note: ${name} ${spec.name} #${run}: the load generator was busy ${(loadgenBusy * 100).toFixed(0)}% of the run; it may be the limit, not the server\n`,
      );
    }
    keep = !row.ok;
    return row;
  } catch (e) {
    if (abort.signal.aborted) throw e;
    const msg = (e instanceof Error ? e.message : String(e)).trim();
    process.stderr.write(`${name} ${spec.name} #${run}: ${msg}\n`);
    return failedRow(name, spec.name, run, log, msg.split('\n')[0] ?? msg);
  } finally {
    if (keep)
      for (const file of logs) {
        const who = logs.length === 1 ? spec.name : `${spec.name} ${basename(file, '.log')}`;
        for (const l of logHighlights(file)) process.stderr.write(`  ${who} log: ${l}\n`);
      }
    await Promise.all(started.map((c) => stopServer(c)));
    for (const c of started) live.delete(c);
    if (spec.cluster !== undefined && prefix !== undefined && !abort.signal.aborted) {
      // Only once every node is gone: a live node would write its keys again.
      await (redis?.deleteKeys(prefix) ?? deleteKeys(spec.cluster.redis, prefix)).then(
        () => redisPrefixes.delete(prefix),
        (e: unknown) =>
          process.stderr.write(
            `${spec.name}: could not remove the Redis keys ${prefix}*: ${String(e)}\n`,
          ),
      );
    }
    redis?.close();
    tempDirs.delete(dir);
    if (keep) process.stderr.write(`${spec.name} log kept: ${log}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// ---- which servers ----
/** The servers named, or without --only every server but the clusters (they need a Redis). */
function parseOnly(only: string | undefined): Set<ServerName> {
  const cluster: readonly string[] = CLUSTER_NAMES;
  if (only === undefined) return new Set(SERVER_NAMES.filter((n) => !cluster.includes(n)));
  const names = only
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const bad = names.filter((n) => !isServerName(n));
  if (names.length === 0 || bad.length > 0)
    throw new Error(`--only wants a comma list of: ${SERVER_NAMES.join(', ')} (got: ${only})`);
  return new Set(names.filter(isServerName));
}

/** True if a Redis answers at `url` (within about 2 s). */
async function redisAnswers(url: string): Promise<boolean> {
  try {
    (await RedisProbe.connect(url)).close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The servers to run, in table order; a missing peer binary, or the Redis the clusters
 * need, is skipped with a message.
 */
async function chooseServers(
  wanted: Set<ServerName>,
  explicit: boolean,
  roomcastCmd: string | undefined,
  baselineCmd: string | undefined,
  redisUrl: string,
): Promise<ServerSpec[]> {
  const specs: ServerSpec[] = [];
  const noDist = roomcastCmd === undefined && !existsSync(join(repoRoot, 'dist/cli/main.js'));
  const cmd = roomcastCmd ?? DEFAULT_ROOMCAST_CMD;
  if (wanted.has('roomcast')) {
    if (noDist)
      console.error('roomcast: dist/cli/main.js not found (npm run build); skipping roomcast');
    else specs.push(roomcastSpec('roomcast', cmd));
  }
  if (wanted.has('baseline')) {
    if (baselineCmd !== undefined) specs.push(roomcastSpec('baseline', baselineCmd));
    else if (explicit)
      throw new Error('--only baseline needs --baseline-cmd or ROOMCAST_BENCH_BASELINE_CMD');
  }
  if (wanted.has('workers2')) {
    if (noDist)
      console.error('workers2: dist/cli/main.js not found (npm run build); skipping workers2');
    else specs.push(workersSpec(cmd));
  }
  const clusters = CLUSTER_NAMES.filter((n) => wanted.has(n));
  if (clusters.length > 0) {
    loopbackRedis(redisUrl); // a setup error (exit 2) if it is not a loopback redis:// URL
    if (noDist)
      console.error(`${clusters.join(', ')}: dist/cli/main.js not found (npm run build); skipping`);
    else if (!(await redisAnswers(redisUrl)))
      console.error(`${clusters.join(', ')}: no Redis answers at ${redisUrl}; skipping`);
    else
      for (const n of clusters) specs.push(clusterSpec(n, cmd, redisUrl, n === 'cluster2' ? 2 : 1));
  }
  if (wanted.has('ngircd')) {
    const bin = which('ngircd', SBIN);
    if (bin === undefined)
      console.error('ngircd not found (apt-get install -y ngircd); skipping ngIRCd');
    else specs.push(ngircdSpec(bin));
  }
  if (wanted.has('nats')) {
    const bin = which('nats-server', SBIN);
    if (bin === undefined)
      console.error('nats-server not found (apt-get install -y nats-server); skipping NATS');
    else specs.push(natsSpec(bin));
  }
  return specs;
}

// ---- main ----
async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      'roomcast-cmd': { type: 'string' },
      'baseline-cmd': { type: 'string' },
      redis: { type: 'string' },
      'ngircd-oper': { type: 'boolean', default: false },
      warmup: { type: 'string', default: '0' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
    console.log(
      lines
        .slice(
          0,
          lines.findIndex((l) => !l.startsWith('//')),
        )
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
  const warmups = Number(values.warmup);
  if (!Number.isInteger(warmups) || warmups < 0)
    throw new Error('--warmup wants a whole number of warm-up runs');
  const specs = await chooseServers(
    parseOnly(values.only),
    values.only !== undefined,
    values['roomcast-cmd'] ?? process.env.ROOMCAST_BENCH_CMD,
    values['baseline-cmd'] ?? process.env.ROOMCAST_BENCH_BASELINE_CMD,
    values.redis ?? process.env.ROOMCAST_BENCH_REDIS ?? DEFAULT_REDIS,
  );
  if (specs.length === 0) throw new Error('no server to benchmark');
  ensureLoadgen();
  console.log(
    `roomcast bench: ${names.join(' ')} x ${runs} run(s)` +
      (warmups > 0 ? `, each after ${warmups} warm-up run(s)` : '') +
      `; servers: ${specs.map((s) => s.name).join(', ')}`,
  );
  console.log(
    "note: the load generator and the server share this machine's cores; nothing is pinned.",
  );

  const rows: Row[] = [];
  for (const name of names as ScenarioName[]) {
    const sc: Scenario = scenarios[name];
    // A server whose run could not be done at all (did not start, hit the hard time limit)
    // is not tried again in this scenario: the next runs would only fail the same way, slowly.
    const gaveUp = new Set<ServerName>();
    for (let run = 1; run <= runs; run++) {
      const k = (run - 1) % specs.length; // rotate who goes first
      for (const spec of [...specs.slice(k), ...specs.slice(0, k)]) {
        if (gaveUp.has(spec.name)) continue;
        const row = await runOnce(name, sc, spec, run, values['ngircd-oper'], warmups);
        rows.push(row);
        console.log(runLine(row));
        if (row.error !== undefined || row.timed_out) {
          gaveUp.add(spec.name);
          if (run < runs)
            console.log(`${name} ${spec.name}: not run again in this scenario (failed outright)`);
        }
      }
    }
  }
  summarize(rows, names as ScenarioName[]);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(rows, null, 2) + '\n');
  return rows.every((r) => r.ok) ? 0 : 1;
}

function runLine(row: Row): string {
  const head = `${row.scenario} ${row.server} #${row.run}: ${row.ok ? 'ok' : 'FAILED'}`;
  if (row.error !== undefined) return `${head} (${row.error})`;
  const cut = row.disconnects > 0 ? ` ${row.disconnects} disconnected` : '';
  return (
    `${head} ${row.deliveries}/${row.expected}${cut} ` +
    `${fmt(row.deliveries_per_s, 0)}/s p50 ${fmt(row.p50_ms, 2)} p99 ${fmt(row.p99_ms, 2)} ms ` +
    (row.cross_deliveries > 0
      ? `(x-node ${row.cross_deliveries}: p50 ${fmt(row.cross_p50_ms, 2)} p99 ${fmt(row.cross_p99_ms, 2)} ms) `
      : '') +
    `cpu ${fmt(row.server_cpu_s, 2)} s` +
    (Number.isFinite(row.redis_cpu_s) ? ` (redis ${fmt(row.redis_cpu_s, 2)} s)` : '') +
    ` rss ${fmt(row.peak_rss_mb, 1)} MB` +
    (row.scenario.startsWith('conn') ? ` ${fmt(row.rss_per_conn_kb, 2)} KB/conn` : '') +
    (row.timed_out ? ' (hit the hard time limit)' : '')
  );
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);
