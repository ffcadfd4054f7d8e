// The runner's result rows and the summary table (medians per scenario and server, and the
// ratios roomcast / each other server).
import type { LoadgenResult } from './loadgen.ts';
import type { ScenarioName } from './scenarios.ts';
import { SERVER_NAMES, type ServerName } from './servers.ts';

/** One run: the load generator's report, plus what the runner read of the server. */
export interface Row extends Pick<
  LoadgenResult,
  | 'deliveries'
  | 'expected'
  | 'deliveries_per_s'
  | 'p50_ms'
  | 'p99_ms'
  | 'max_ms'
  | 'lost'
  | 'duplicated'
  | 'reordered'
  | 'errors'
  | 'disconnects'
  | 'timed_out'
  | 'loadgen_cpu_s'
  | 'connect_join_s'
  | 'cross_deliveries'
> {
  scenario: ScenarioName;
  server: ServerName;
  run: number;
  ok: boolean;
  /** Processes the server ran as (a cluster: its nodes); CPU and RSS are their sums. */
  nodes: number;
  /** Latency of the deliveries to a client on another node than the sender (NaN if none). */
  cross_p50_ms: number;
  cross_p99_ms: number;
  server_cpu_s: number; // traffic phase only (after the joins settled)
  server_cpu_total_s: number;
  cpu_us_per_delivery: number;
  /** Cluster mode: the shared Redis's CPU in the traffic phase (all of its work); NaN otherwise. */
  redis_cpu_s: number;
  /** (server_cpu_s + redis_cpu_s) per delivery, microseconds; NaN without a Redis. */
  cpu_us_per_delivery_redis: number;
  rss_start_mb: number;
  peak_rss_mb: number;
  rss_per_conn_kb: number;
  log: string;
  /** Why the run produced no load generator report (the server did not start, ...). */
  error?: string;
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

type Col = readonly [header: string, key: NumericKey, digits: number, optional?: 'optional'];
type NumericKey = {
  [K in keyof Row]-?: Row[K] extends number ? K : never;
}[keyof Row];

/** The table's columns; an optional one is shown only when some row of the table has a figure. */
const COLS: readonly Col[] = [
  ['deliv/s', 'deliveries_per_s', 0],
  ['p50 ms', 'p50_ms', 2],
  ['p99 ms', 'p99_ms', 2],
  ['max ms', 'max_ms', 1],
  ['x-node p50 ms', 'cross_p50_ms', 2, 'optional'],
  ['x-node p99 ms', 'cross_p99_ms', 2, 'optional'],
  ['srv cpu s', 'server_cpu_s', 2],
  ['us/deliv', 'cpu_us_per_delivery', 3],
  ['redis cpu s', 'redis_cpu_s', 2, 'optional'],
  ['us/deliv+redis', 'cpu_us_per_delivery_redis', 3, 'optional'],
  ['peak MB', 'peak_rss_mb', 1],
  ['KB/conn', 'rss_per_conn_kb', 2],
  ['lg cpu s', 'loadgen_cpu_s', 2],
  ['join s', 'connect_join_s', 2],
];

export function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

/** A run that produced no load generator report: `error` says why. */
export function failedRow(
  name: ScenarioName,
  server: ServerName,
  run: number,
  log: string,
  error: string,
): Row {
  return {
    scenario: name,
    server,
    run,
    ok: false,
    error,
    deliveries: 0,
    expected: NaN,
    deliveries_per_s: NaN,
    p50_ms: NaN,
    p99_ms: NaN,
    max_ms: NaN,
    lost: NaN,
    duplicated: NaN,
    reordered: NaN,
    errors: NaN,
    disconnects: NaN,
    timed_out: false,
    nodes: NaN,
    cross_deliveries: NaN,
    cross_p50_ms: NaN,
    cross_p99_ms: NaN,
    server_cpu_s: NaN,
    server_cpu_total_s: NaN,
    cpu_us_per_delivery: NaN,
    redis_cpu_s: NaN,
    cpu_us_per_delivery_redis: NaN,
    loadgen_cpu_s: NaN,
    rss_start_mb: NaN,
    peak_rss_mb: NaN,
    rss_per_conn_kb: NaN,
    connect_join_s: NaN,
    log,
  };
}

/**
 * What the runner read of the server around one run (/proc; for several nodes, the sums over
 * them), and of the shared Redis in cluster mode (NaN otherwise).
 */
export interface Samples {
  alive: boolean;
  rssStart: number;
  rssReady: number;
  cpuStart: number;
  cpuReady: number;
  cpuEnd: number;
  hwm: number;
  redisCpuReady: number;
  redisCpuEnd: number;
}

export function rowOf(
  name: ScenarioName,
  clients: number,
  server: ServerName,
  run: number,
  r: LoadgenResult,
  s: Samples,
  log: string,
): Row {
  const traffic = s.cpuEnd - s.cpuReady;
  const redis = s.redisCpuEnd - s.redisCpuReady;
  const none = r.deliveries === 0; // no rate or latency to speak of, rather than zeros
  const noCross = !(r.cross_deliveries > 0);
  return {
    scenario: name,
    server,
    run,
    ok: r.ok && s.alive,
    deliveries: r.deliveries,
    expected: r.expected,
    deliveries_per_s: none ? NaN : r.deliveries_per_s,
    p50_ms: none ? NaN : r.p50_ms,
    p99_ms: none ? NaN : r.p99_ms,
    max_ms: none ? NaN : r.max_ms,
    lost: r.lost,
    duplicated: r.duplicated,
    reordered: r.reordered,
    errors: r.errors,
    disconnects: r.disconnects,
    timed_out: r.timed_out,
    nodes: r.nodes,
    cross_deliveries: r.cross_deliveries,
    cross_p50_ms: noCross ? NaN : r.cross_p50_ms,
    cross_p99_ms: noCross ? NaN : r.cross_p99_ms,
    server_cpu_s: traffic,
    server_cpu_total_s: s.cpuEnd - s.cpuStart,
    cpu_us_per_delivery: r.deliveries > 0 ? (traffic * 1e6) / r.deliveries : NaN,
    redis_cpu_s: redis,
    cpu_us_per_delivery_redis: r.deliveries > 0 ? ((traffic + redis) * 1e6) / r.deliveries : NaN,
    loadgen_cpu_s: r.loadgen_cpu_s,
    rss_start_mb: s.rssStart / 1024,
    peak_rss_mb: s.hwm / 1024,
    rss_per_conn_kb: (s.rssReady - s.rssStart) / clients,
    connect_join_s: r.connect_join_s,
    log,
  };
}

const W = [11, 17, 5]; // scenario, server, ok

export function summarize(rows: Row[], names: ScenarioName[]): void {
  for (const line of summaryLines(rows, names)) console.log(line);
}

/** The summary table: medians per scenario and server, then roomcast/<peer> ratio rows. */
export function summaryLines(rows: Row[], names: ScenarioName[]): string[] {
  const out: string[] = [];
  const mine = rows.filter((r) => names.includes(r.scenario));
  const cols = COLS.filter(
    ([, key, , optional]) => optional === undefined || mine.some((r) => Number.isFinite(r[key])),
  );
  const width = (h: string): number => Math.max(10, h.length);
  const head = ['scenario', 'server', 'ok'].map((h, i) => h.padEnd(W[i] ?? 0));
  out.push('', [...head, ...cols.map(([h]) => h.padStart(width(h)))].join(' '));
  const peers = new Set<ServerName>();
  for (const name of names) {
    // Medians of the successful runs; of all runs (for the eye) when none succeeded.
    const med: Partial<Record<ServerName, Record<string, number>>> = {};
    const succeeded = new Set<ServerName>();
    for (const server of SERVER_NAMES) {
      const runs = mine.filter((r) => r.scenario === name && r.server === server);
      if (runs.length === 0) continue;
      const good = runs.filter((r) => r.ok);
      const use = good.length > 0 ? good : runs;
      const m: Record<string, number> = {};
      for (const [, key] of cols) m[key] = median(use.map((r) => r[key]));
      med[server] = m;
      if (good.length > 0) succeeded.add(server);
      const cells = cols.map(([h, key, d]) => fmt(m[key] ?? NaN, d).padStart(width(h)));
      out.push(
        [name, server, `${good.length}/${runs.length}`]
          .map((c, i) => c.padEnd(W[i] ?? 0))
          .concat(cells)
          .join(' '),
      );
    }
    // roomcast against every other server; and workers2 against NATS, its rival on two cores.
    const pairs: [ServerName, ServerName][] = SERVER_NAMES.filter((p) => p !== 'roomcast').map(
      (p) => ['roomcast', p],
    );
    pairs.push(['workers2', 'nats']);
    for (const [mine, peer] of pairs) {
      const a = med[mine];
      const b = med[peer];
      if (!a || !b) continue;
      if (mine === 'roomcast') peers.add(peer);
      // No ratio against (or of) a server that never completed the scenario.
      const both = succeeded.has(mine) && succeeded.has(peer);
      const cells = cols.map(([h, key]) =>
        fmt(both ? (a[key] ?? NaN) / (b[key] ?? NaN) : NaN, 2).padStart(width(h)),
      );
      const label = `${mine}/${peer}`;
      out.push(
        [name.padEnd(W[0] ?? 0), label.padEnd(W[1] ?? 0), ''.padEnd(W[2] ?? 0), ...cells].join(' '),
      );
    }
  }
  if (peers.size > 0)
    out.push(
      '',
      `roomcast/<peer> = roomcast's median / the peer's (${[...peers].join(', ')}); ` +
        'deliv/s: higher is better for roomcast; the rest: lower; "-" where a side had no ' +
        'successful run. ok = successful runs / runs.' +
        (out.some((l) => l.includes(' workers2/nats '))
          ? ' workers2/nats: the same, of workers2.'
          : ''),
    );
  if (mine.some((r) => r.nodes > 1 || Number.isFinite(r.redis_cpu_s)))
    out.push(
      'cluster1, cluster2: srv cpu s, us/deliv and peak MB are sums over the nodes; redis cpu s ' +
        'is all the shared Redis did meanwhile (us/deliv+redis counts it too); x-node: deliveries ' +
        'to a client on another node than the sender.',
    );
  return out;
}
