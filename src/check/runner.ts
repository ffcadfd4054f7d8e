/**
 * Runs checks one after another against one server, each with its own connections and rooms
 * and a deadline of its own, so a server that stops answering fails checks instead of hanging
 * the run.
 */
import { TcdSocket } from '../client/tcd-socket.js';
import { CheckContext } from './context.js';
import { checkEndpoint, describeEndpoint } from './probe.js';
import { allChecks } from './index.js';
import { CheckFailure, type Check, type CheckSettings } from './types.js';

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly group: string;
  readonly passed: boolean;
  /** Why it failed: `expected ..., got ...`. */
  readonly detail?: string;
  readonly ms: number;
}

export interface RunOptions {
  /** Group names or check ids (`rules`, `T3`); empty: all. */
  readonly only: readonly string[];
  readonly skipKill: boolean;
  /** Called as each check finishes, for line-by-line output. */
  readonly onResult?: (result: CheckResult) => void;
}

export function selectChecks(only: readonly string[], skipKill: boolean): Check[] {
  const wanted = only.map((w) => w.toLowerCase());
  return allChecks.filter(
    (c) =>
      (wanted.length === 0 || wanted.includes(c.group) || wanted.includes(c.id.toLowerCase())) &&
      !(skipKill && c.group === 'kill'),
  );
}

export function formatResult(r: CheckResult): string {
  const head = `${r.passed ? 'PASS' : 'FAIL'} ${r.id} ${r.title}`;
  return r.passed ? head : `${head}: ${r.detail ?? 'failed'}`;
}

export async function runChecks(s: CheckSettings, o: RunOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const report = (r: CheckResult): void => {
    results.push(r);
    o.onResult?.(r);
  };
  // One connection first: an unreachable server is one failure, not one per check.
  try {
    const socket = await TcdSocket.connect(checkEndpoint(s), s.timeoutMs);
    socket.destroy();
  } catch (err) {
    report({
      id: 'connect',
      title: describeEndpoint(s),
      group: 'connect',
      passed: false,
      detail: (err as Error).message,
      ms: 0,
    });
    return results;
  }
  for (const [i, check] of selectChecks(o.only, o.skipKill).entries()) {
    report(await runOne(check, new CheckContext(s, `${check.id.toLowerCase()}${i}`), s));
  }
  return results;
}

async function runOne(check: Check, ctx: CheckContext, s: CheckSettings): Promise<CheckResult> {
  const started = Date.now();
  const base = { id: check.id, title: check.title, group: check.group };
  // Each wait inside a check is bounded already; this bounds the whole check as well.
  const limitMs = s.timeoutMs * 4 + s.quietMs * 10 + 2000;
  let timer: NodeJS.Timeout | undefined;
  const overtime = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CheckFailure(`did not finish within ${limitMs} ms`)),
      limitMs,
    );
  });
  try {
    await Promise.race([check.run(ctx), overtime]);
    return { ...base, passed: true, ms: Date.now() - started };
  } catch (err) {
    const detail = err instanceof CheckFailure ? err.message : `check error: ${String(err)}`;
    return { ...base, passed: false, detail, ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
    ctx.closeAll();
  }
}
