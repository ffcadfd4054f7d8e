/**
 * What one setting of `roomcast serve` is: the one schema that drives the flags, the
 * environment variables, the config file, `--help` and README.md's table of options.
 */

/** The groups of `--help` and of README.md's table, in their order. */
export const optionGroups = [
  { id: 'general', title: 'General' },
  { id: 'listening', title: 'Listening' },
  { id: 'limits', title: 'Limits' },
  { id: 'cluster', title: 'Cluster' },
  { id: 'tls', title: 'TLS' },
  { id: 'web', title: 'Web client and WebSocket' },
  { id: 'admin', title: 'Admin HTTP' },
  { id: 'logging', title: 'Logging' },
] as const;

export type OptionGroup = (typeof optionGroups)[number]['id'];

interface CommonSpec {
  /** The flag without its dashes; also the setting's key in the config file. */
  readonly flag: string;
  readonly env: string;
  readonly group: OptionGroup;
  readonly help: string;
  /** The value's name in `--help` (`--port N`). */
  readonly arg?: string;
  /** How the docs show the default when there is none to print (`all interfaces`). */
  readonly shownDefault?: string;
  /** False: not a key of the config file (the file's own name). */
  readonly inFile?: false;
}

/** A whole number from `min` to `max`. */
export interface IntSpec extends CommonSpec {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
  readonly default?: number;
}

export interface StringSpec extends CommonSpec {
  readonly kind: 'string';
  readonly default?: string;
}

/** A file name; in the config file, relative to the file's own folder. */
export interface PathSpec extends CommonSpec {
  readonly kind: 'path';
}

export interface ChoiceSpec extends CommonSpec {
  readonly kind: 'choice';
  readonly choices: readonly string[];
  readonly default: string;
}

/** A flag without a value; `true` or `false` in the file, `true|false|1|0` in the environment. */
export interface BooleanSpec extends CommonSpec {
  readonly kind: 'boolean';
  readonly default: boolean;
}

export type OptionSpec = IntSpec | StringSpec | PathSpec | ChoiceSpec | BooleanSpec;

export type OptionValue = number | string | boolean;

/** setTimeout's longest delay: a larger timeout would fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;
/** The largest count or size any limit takes (a typo guard, far above any real use). */
export const MAX_COUNT = 2_147_483_647;
