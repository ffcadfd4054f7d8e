/**
 * Every setting of `roomcast serve`, group by group (src/cli/options/*.ts): the one table that
 * drives flag and environment parsing, the config file, `--help` and README.md's table of
 * options (test/unit/docs.test.ts keeps README.md equal to it).
 */
import { adminOptions } from './options/admin.js';
import { clusterOptions } from './options/cluster.js';
import { generalOptions } from './options/general.js';
import { limitOptions } from './options/limits.js';
import { listeningOptions } from './options/listening.js';
import { loggingOptions } from './options/logging.js';
import type { OptionSpec } from './options/spec.js';
import { tlsOptions } from './options/tls.js';
import { webOptions } from './options/web.js';

export { optionGroups, type OptionSpec, type OptionValue } from './options/spec.js';

export const serveOptions = [
  ...generalOptions,
  ...listeningOptions,
  ...limitOptions,
  ...clusterOptions,
  ...tlsOptions,
  ...webOptions,
  ...adminOptions,
  ...loggingOptions,
] as const satisfies readonly OptionSpec[];

export type ServeOption = (typeof serveOptions)[number];
export type ServeFlag = ServeOption['flag'];
/** The flags whose value is of each kind, so that reading a setting is typed. */
export type FlagOfKind<K extends OptionSpec['kind']> = Extract<ServeOption, { kind: K }>['flag'];

const byFlag = new Map<string, ServeOption>(serveOptions.map((o) => [o.flag, o]));

export function optionSpec(flag: string): ServeOption | undefined {
  return byFlag.get(flag);
}
