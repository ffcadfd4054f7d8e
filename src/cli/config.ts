/** Turns flags and environment into server settings: flag over environment over default. */
import { parseArgs } from 'node:util';
import { serveOptions, type OptionSpec, type ServeFlag } from './options-table.js';

export type RawSettings = Partial<Record<ServeFlag, string>>;

export class ConfigError extends Error {}

export function readServeSettings(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { settings: RawSettings; help: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(serveOptions.map((o) => [o.flag, { type: 'string' as const }])),
    },
    allowPositionals: false,
    strict: true,
  });
  const settings: RawSettings = {};
  for (const spec of serveOptions) {
    const fromFlag = (values as Record<string, string | boolean | undefined>)[spec.flag];
    const raw = typeof fromFlag === 'string' ? fromFlag : (env[spec.env] ?? spec.default);
    if (raw !== undefined) settings[spec.flag] = validate(spec, raw);
  }
  return { settings, help: values.help === true };
}

function validate(spec: OptionSpec, raw: string): string {
  const where = `--${spec.flag} (${spec.env})`;
  if (spec.kind === 'int') {
    if (!/^\d+$/.test(raw) || Number(raw) < (spec.min ?? 0) || !Number.isSafeInteger(Number(raw))) {
      throw new ConfigError(`${where} must be an integer >= ${spec.min ?? 0}, not '${raw}'`);
    }
  }
  if (spec.kind === 'choice' && !spec.choices?.includes(raw)) {
    throw new ConfigError(`${where} must be one of ${spec.choices?.join(', ')}, not '${raw}'`);
  }
  return raw;
}

export function intSetting(settings: RawSettings, flag: ServeFlag): number | undefined {
  const raw = settings[flag];
  return raw === undefined ? undefined : Number(raw);
}

export function serveHelp(): string {
  const width = Math.max(...serveOptions.map((o) => o.flag.length)) + 2;
  const rows = serveOptions.map((o) => {
    const def = o.default === undefined ? '' : ` [default: ${o.default}]`;
    return `  --${o.flag.padEnd(width)} ${o.help}${def}\n  ${''.padEnd(width + 2)} env ${o.env}`;
  });
  return `Usage: roomcast serve [options]\n\n${rows.join('\n')}\n`;
}
