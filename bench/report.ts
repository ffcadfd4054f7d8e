// The runner's result rows and the summary table (medians per scenario and server, and the
// ratio roomcast / ngIRCd).
import type { LoadgenResult } from './loadgen.ts';
import type { ScenarioName } from './scenarios.ts';

export type ServerName = 'roomcast' | 'ngircd';

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
  | 'loadgen_cpu_s'
  | 'connect_join_s'
> {
  scenario: ScenarioName;
  server: ServerName;
  run: number;
  ok: boolean;
  server_cpu_s: number; // traffic phase only (after the joins settled)
  server_cpu_total_s: number;
  cpu_us_per_delivery: number;
  rss_start_mb: number;
  peak_rss_mb: number;
  rss_per_conn_kb: number;
  log: string;
}

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
}

const COLS = [
  ['deliv/s', 'deliveries_per_s', 0],
  ['p50 ms', 'p50_ms', 2],
  ['p99 ms', 'p99_ms', 2],
  ['max ms', 'max_ms', 1],
  ['srv cpu s', 'server_cpu_s', 2],
  ['us/deliv', 'cpu_us_per_delivery', 3],
  ['peak MB', 'peak_rss_mb', 1],
  ['KB/conn', 'rss_per_conn_kb', 2],
  ['lg cpu s', 'loadgen_cpu_s', 2],
  ['join s', 'connect_join_s', 2],
] as const;

export function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '-';
}

export function summarize(rows: Row[], names: ScenarioName[]): void {
  const head = ['scenario', 'server', 'ok'].map((h, i) => h.padEnd(i === 0 ? 10 : 9));
  console.log('\n' + [...head, ...COLS.map(([h]) => h.padStart(10))].join(' '));
  for (const name of names) {
    const med: Partial<Record<ServerName, Record<string, number>>> = {};
    for (const server of ['roomcast', 'ngircd'] as const) {
      const mine = rows.filter((r) => r.scenario === name && r.server === server);
      if (mine.length === 0) continue;
      const good = mine.filter((r) => r.ok);
      const use = good.length > 0 ? good : mine;
      const m: Record<string, number> = {};
      for (const [, key] of COLS) m[key] = median(use.map((r) => r[key]));
      med[server] = m;
      const cells = COLS.map(([, key, d]) => fmt(m[key] ?? NaN, d).padStart(10));
      console.log(
        [
          name.padEnd(10),
          server.padEnd(9),
          `${good.length}/${mine.length}`.padEnd(9),
          ...cells,
        ].join(' '),
      );
    }
    const a = med.roomcast;
    const b = med.ngircd;
    if (a && b) {
      const cells = COLS.map(([, key]) => fmt((a[key] ?? NaN) / (b[key] ?? NaN), 2).padStart(10));
      console.log([name.padEnd(10), 'ratio'.padEnd(9), 'rc/ngircd'.padEnd(9), ...cells].join(' '));
    }
  }
  console.log(
    '\nratio = roomcast / ngIRCd (deliv/s: higher is better for roomcast; the rest: lower).',
  );
}
