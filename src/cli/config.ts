/**
 * Turns flags, environment and the config file into server settings: a flag wins over its
 * variable, the variable over the file, the file over the default (src/cli/options-table.ts).
 * Anything that does not fit is a ConfigError, which `roomcast` reports with exit status 2.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readConfigFile, type ReadText } from './config-file.js';
import { ConfigError, valueFromText } from './option-values.js';
import { serveOptions, type FlagOfKind, type ServeFlag } from './options-table.js';
import type { OptionSpec, OptionValue } from './options/spec.js';

export { ConfigError } from './option-values.js';

export type Source = 'flag' | 'environment' | 'file' | 'default';

interface Setting {
  readonly value: OptionValue;
  readonly source: Source;
}

/** The resolved settings, read by kind so that each read is typed. */
export class Settings {
  constructor(private readonly values: ReadonlyMap<string, Setting>) {}

  int(flag: FlagOfKind<'int'>): number | undefined {
    return this.values.get(flag)?.value as number | undefined;
  }

  text(flag: FlagOfKind<'string' | 'path' | 'choice'>): string | undefined {
    return this.values.get(flag)?.value as string | undefined;
  }

  bool(flag: FlagOfKind<'boolean'>): boolean {
    return this.values.get(flag)?.value === true;
  }

  /** Where a setting came from (for the startup log); undefined: not set at all. */
  source(flag: ServeFlag): Source | undefined {
    return this.values.get(flag)?.source;
  }

  /** Every setting given by a flag, variable or file, with its source. */
  given(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [flag, s] of this.values) if (s.source !== 'default') out[flag] = s.source;
    return out;
  }
}

export interface ServeArgs {
  readonly settings: Settings;
  readonly help: boolean;
  readonly version: boolean;
}

const specs = serveOptions as readonly OptionSpec[];

export function readServeSettings(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  readText: ReadText = (path) => readFileSync(path, 'utf8'),
): ServeArgs {
  const { values: flags } = parseArgs({
    args: [...argv],
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      ...Object.fromEntries(
        specs.map((o) => [o.flag, { type: o.kind === 'boolean' ? 'boolean' : 'string' } as const]),
      ),
    },
    allowPositionals: false,
    strict: true,
  });
  const fromFlag = (flag: string): string | boolean | undefined =>
    (flags as Record<string, string | boolean | undefined>)[flag];
  // An empty variable counts as unset (as `ROOMCAST_HOST=` in a unit's environment file means).
  const fromEnv = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);

  const configPath = fromFlag('config') ?? fromEnv('ROOMCAST_CONFIG');
  const file =
    typeof configPath === 'string' && configPath !== ''
      ? readConfigFile(configPath, readText)
      : new Map<string, OptionValue>();

  const values = new Map<string, Setting>();
  for (const spec of specs) {
    const flag = fromFlag(spec.flag);
    const variable = fromEnv(spec.env);
    const inFile = file.get(spec.flag);
    let setting: Setting | undefined;
    if (typeof flag === 'boolean') setting = { value: flag, source: 'flag' };
    else if (flag !== undefined) {
      setting = { value: valueFromText(spec, flag, `--${spec.flag}`), source: 'flag' };
    } else if (variable !== undefined) {
      setting = { value: valueFromText(spec, variable, spec.env), source: 'environment' };
    } else if (inFile !== undefined) setting = { value: inFile, source: 'file' };
    else if ('default' in spec && spec.default !== undefined) {
      setting = { value: spec.default, source: 'default' };
    }
    if (setting !== undefined) values.set(spec.flag, setting);
  }
  const settings = new Settings(values);
  checkCombinations(settings);
  return { settings, help: flags.help === true, version: flags.version === true };
}

/** Settings that are fine one by one but not together. */
function checkCombinations(s: Settings): void {
  const tlsPort = s.int('tls-port');
  const cert = s.text('tls-cert');
  const key = s.text('tls-key');
  if (tlsPort !== undefined && (cert === undefined || key === undefined)) {
    throw new ConfigError('--tls-port needs --tls-cert FILE and --tls-key FILE');
  }
  if (tlsPort === undefined && (cert !== undefined || key !== undefined)) {
    throw new ConfigError('--tls-cert and --tls-key are used only with --tls-port');
  }
  if (s.bool('tls-only') && tlsPort === undefined) {
    throw new ConfigError('--tls-only needs --tls-port (and --tls-cert, --tls-key)');
  }
  const port = s.int('port');
  if (!s.bool('tls-only') && tlsPort !== undefined && tlsPort !== 0 && tlsPort === port) {
    throw new ConfigError(`--tls-port and --port are both ${port}: give TLS a port of its own`);
  }
  const httpPort = s.int('http-port');
  const taken = [s.bool('tls-only') ? undefined : port, tlsPort];
  if (httpPort !== undefined && httpPort !== 0 && taken.includes(httpPort)) {
    throw new ConfigError(`--http-port ${httpPort} is taken by another port: give it its own`);
  }
}
