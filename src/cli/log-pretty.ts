/**
 * Readable log lines for a person at a terminal (`--log-format pretty`): pino's JSON line in,
 * `12:00:01.234 WARN  disconnecting conn=7 cause=slow-reader reason="..."` out, with an error's
 * stack on the lines after. A few lines of our own instead of pino-pretty and its dozen
 * dependencies: the output is for people, so only its readability matters.
 */
const levels: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** pino's own fields, shown in their places or not at all. */
const skipped = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name', 'err']);

function show(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time) : new Date();
  const clock =
    time.toTimeString().slice(0, 8) + '.' + String(time.getMilliseconds()).padStart(3, '0');
  const level = levels[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !skipped.has(key))
    .map(([key, value]) => `${key}=${show(value)}`);
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  let line = [clock, level.padEnd(5), msg, ...fields].join(' ').trimEnd();
  const err = entry.err as { message?: unknown; stack?: unknown } | undefined;
  if (err !== undefined) {
    const stack = typeof err.stack === 'string' ? err.stack : String(err.message);
    line += `\n    ${stack.split('\n').join('\n    ')}`;
  }
  return `${line}\n`;
}

/** A pino destination that writes readable lines to `out`. */
export function prettyDestination(out: NodeJS.WritableStream): { write(line: string): void } {
  return { write: (line: string) => void out.write(prettyLine(line)) };
}
