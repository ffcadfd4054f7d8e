/**
 * `roomcast serve` as a real child process on a free port, for tests of process behaviour and
 * the soak and the cluster: its memory is its own (read from /proc/<pid>/status), and its log
 * is scanned as it streams (a tail for failure messages, and its last lines for tests that
 * wait on one). It is killed after `lifetimeMs` whatever happens.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';

export interface ServerProcess {
  /** The plain port (the TLS port when only TLS is served). */
  readonly port: number;
  /** Every port the server listens on, from its `serving` log line. */
  readonly ports: {
    readonly tcp?: number;
    readonly tls?: number;
    readonly web?: number;
    readonly admin?: number;
  };
  /** The web client's and WebSocket's port, when started with --http-port. */
  readonly httpPort: number | undefined;
  readonly pid: number;
  readonly child: ChildProcessByStdio<null, null, Readable>;
  readonly exited: Promise<number | null>;
  /** Log lines seen so far whose JSON has `"cause":"<cause>"` (server-initiated drops). */
  drops(cause: string): number;
  /** The last few KB of the log, for failure messages. */
  logTail(): string;
  /** Log lines so far that match (the last LOG_LINES lines are kept). */
  logged(match: RegExp): string[];
  /** Resolves with the first log line, seen or to come, that matches; fails after `timeoutMs`. */
  waitForLog(match: RegExp, timeoutMs?: number): Promise<string>;
  /** Current and peak resident memory in bytes (VmRSS, VmHWM). */
  memory(): { rss: number; peak: number };
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL, for cleanup. */
  kill(): void;
}

const TAIL_BYTES = 16_384;
const LOG_LINES = 5000;

export async function spawnServer(
  args: readonly string[] = [],
  lifetimeMs = 30_000,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'], env },
  );
  return adoptServer(child, args, lifetimeMs);
}

/**
 * A server already spawned (by `./start.sh`, say) with stderr piped: waits for it to serve and
 * watches it as `spawnServer` does. `args` are its `serve` flags (for `--workers`).
 */
export async function adoptServer(
  child: ChildProcessByStdio<null, null, Readable>,
  args: readonly string[],
  lifetimeMs: number,
): Promise<ServerProcess> {
  const guard = setTimeout(() => child.kill('SIGKILL'), lifetimeMs);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  let tail = '';
  let partial = '';
  const causes = new Map<string, number>();
  let onLine: (line: string) => void = () => {};
  const logLines: string[] = [];
  const lineWaiters = new Set<(line: string) => void>();
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-TAIL_BYTES);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const cause = /"cause":"([a-z-]+)"/.exec(line)?.[1];
      if (cause !== undefined) causes.set(cause, (causes.get(cause) ?? 0) + 1);
      logLines.push(line);
      if (logLines.length > LOG_LINES) logLines.shift();
      for (const waiter of lineWaiters) waiter(line);
      onLine(line);
    }
  });
  let startTimer: NodeJS.Timeout | undefined;
  // With --workers N every worker logs `serving` (the same ports): the service is up at the Nth.
  const workersAt = args.indexOf('--workers');
  let servingToCome = workersAt === -1 ? 1 : Number(args[workersAt + 1]);
  const ports = await new Promise<ServerProcess['ports']>((resolve, reject) => {
    onLine = (line) => {
      if (!line.includes('"msg":"serving"') || --servingToCome > 0) return;
      const port = (key: string): { [k: string]: number } => {
        const m = new RegExp(`"${key}":(\\d+)`).exec(line);
        return m === null ? {} : { [key]: Number(m[1]) };
      };
      resolve({ ...port('tcp'), ...port('tls'), ...port('web'), ...port('admin') });
    };
    void exited.then(() => reject(new Error(`server exited early: ${tail}`)));
    startTimer = setTimeout(() => reject(new Error(`server did not start: ${tail}`)), 20_000);
  })
    .catch((err: unknown) => {
      child.kill('SIGKILL');
      throw err;
    })
    .finally(() => clearTimeout(startTimer));
  onLine = () => {};
  const port = ports.tcp ?? ports.tls;
  if (port === undefined) throw new Error(`no port in the log: ${tail}`);
  const pid = child.pid;
  if (pid === undefined) throw new Error('no pid');
  return {
    port,
    ports,
    httpPort: ports.web,
    pid,
    child,
    exited,
    kill: () => child.kill('SIGKILL'),
    drops: (cause) => causes.get(cause) ?? 0,
    logTail: () => tail,
    logged: (match) => logLines.filter((line) => match.test(line)),
    waitForLog: (match, timeoutMs = 5000) => {
      const seen = logLines.find((line) => match.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = (line: string | Error): void => {
          clearTimeout(timer);
          lineWaiters.delete(waiter);
          if (line instanceof Error) reject(line);
          else resolve(line);
        };
        const waiter = (line: string): void => {
          if (match.test(line)) done(line);
        };
        const timer = setTimeout(
          () => done(new Error(`no log line matching ${String(match)} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        lineWaiters.add(waiter);
      });
    },
    memory: () => readMemory(pid),
    stop: async (graceMs = 5000) => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

function readMemory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}
