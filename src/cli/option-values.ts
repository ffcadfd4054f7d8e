/**
 * One setting's value from where it came: the text of a flag or an environment variable, or a
 * JSON value of the config file. A value that does not fit the schema is a ConfigError that
 * names where it came from and what is allowed.
 */
import type { OptionSpec, OptionValue } from './options/spec.js';

export class ConfigError extends Error {}

/** What the schema allows for `spec`, in words. */
export function allowed(spec: OptionSpec, from: 'text' | 'json'): string {
  switch (spec.kind) {
    case 'int':
      return `an integer from ${spec.min} to ${spec.max}`;
    case 'choice':
      return `one of ${spec.choices.join(', ')}`;
    case 'boolean':
      return from === 'json' ? 'true or false' : 'true, false, 1 or 0';
    case 'path':
      return 'a file name';
    case 'string':
      return 'a string';
  }
}

function fail(where: string, spec: OptionSpec, from: 'text' | 'json', shown: string): never {
  throw new ConfigError(`${where} must be ${allowed(spec, from)}, not ${shown}`);
}

function inRange(spec: OptionSpec, n: number): boolean {
  return spec.kind === 'int' && Number.isSafeInteger(n) && n >= spec.min && n <= spec.max;
}

/** A flag's or a variable's text, checked against `spec`. `where`: `--port` or `ROOMCAST_PORT`. */
export function valueFromText(spec: OptionSpec, raw: string, where: string): OptionValue {
  const shown = `'${raw}'`;
  switch (spec.kind) {
    case 'int': {
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !inRange(spec, n)) fail(where, spec, 'text', shown);
      return n;
    }
    case 'choice':
      if (!spec.choices.includes(raw)) fail(where, spec, 'text', shown);
      return raw;
    case 'boolean':
      if (['true', '1'].includes(raw)) return true;
      if (['false', '0'].includes(raw)) return false;
      return fail(where, spec, 'text', shown);
    case 'path':
      if (raw === '') fail(where, spec, 'text', 'an empty name');
      return raw;
    case 'string':
      return raw;
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'number':
      return String(value);
    case 'boolean':
      return String(value);
    default:
      return 'an object';
  }
}

/** A config file's value, checked against `spec`: JSON types must match, no strings for numbers. */
export function valueFromJson(spec: OptionSpec, value: unknown, where: string): OptionValue {
  const shown = describeJson(value);
  switch (spec.kind) {
    case 'int':
      if (typeof value !== 'number' || !inRange(spec, value)) fail(where, spec, 'json', shown);
      return value;
    case 'choice':
      if (typeof value !== 'string' || !spec.choices.includes(value)) {
        fail(where, spec, 'json', shown);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail(where, spec, 'json', shown);
      return value;
    case 'path':
      if (typeof value !== 'string' || value === '') fail(where, spec, 'json', shown);
      return value;
    case 'string':
      if (typeof value !== 'string') fail(where, spec, 'json', shown);
      return value;
  }
}
