/**
 * The config file (`--config FILE`, ROOMCAST_CONFIG): one JSON object whose keys are the flag
 * names without their dashes (`{"max-rooms-per-connection": 7}`). Every key and value is
 * checked against the schema before the server starts; file names in it are relative to the
 * file's own folder, so a file and the certificates beside it move together.
 */
import { dirname, resolve } from 'node:path';
import { optionSpec, serveOptions } from './options-table.js';
import type { OptionSpec, OptionValue } from './options/spec.js';
import { ConfigError, valueFromJson } from './option-values.js';

export type ReadText = (path: string) => string;

/** The file's settings by flag, checked. */
export function readConfigFile(path: string, readText: ReadText): Map<string, OptionValue> {
  let text: string;
  try {
    text = readText(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`config file ${path}: cannot read it (${why})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const what = Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed;
    throw new ConfigError(
      `config file ${path}: must hold one JSON object ({"port": 8080, ...}), not ${what}`,
    );
  }
  const values = new Map<string, OptionValue>();
  for (const [key, raw] of Object.entries(parsed)) {
    const spec: OptionSpec | undefined = optionSpec(key);
    const where = `config file ${path}: "${key}"`;
    if (spec === undefined || spec.inFile === false) {
      throw new ConfigError(`${where} is not a setting${suggestion(key)}; ${fileKeysText()}`);
    }
    const value = valueFromJson(spec, raw, where);
    values.set(key, spec.kind === 'path' ? resolve(dirname(path), value as string) : value);
  }
  return values;
}

function fileKeys(): string[] {
  return (serveOptions as readonly OptionSpec[])
    .filter((o) => o.inFile !== false)
    .map((o) => o.flag);
}

function fileKeysText(): string {
  return `the settings are: ${fileKeys().join(', ')}`;
}

/** ` (did you mean "max-rooms"?)` when a key is one edit or a dash away from a setting. */
function suggestion(key: string): string {
  const plain = key.replace(/^-+/, '');
  const near = fileKeys().find((k) => k === plain || editDistance(k, plain) <= 2);
  return near === undefined ? '' : ` (did you mean "${near}"?)`;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}
