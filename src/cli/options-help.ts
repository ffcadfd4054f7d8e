/**
 * The schema as people read it: `roomcast serve --help`, grouped, and README.md's tables of
 * options (test/unit/docs.test.ts checks README.md against `optionsMarkdown()`; run
 * `npm run docs:options` after changing an option).
 */
import { optionGroups, serveOptions } from './options-table.js';
import type { OptionSpec } from './options/spec.js';

const specs = serveOptions as readonly OptionSpec[];
const WIDTH = 100;

function argName(o: OptionSpec): string {
  if (o.arg !== undefined) return o.arg;
  switch (o.kind) {
    case 'int':
      return 'N';
    case 'string':
      return 'TEXT';
    case 'path':
      return 'FILE';
    case 'choice':
      return 'WORD';
    case 'boolean':
      return '';
  }
}

export function shownDefault(o: OptionSpec): string {
  if (o.shownDefault !== undefined) return o.shownDefault;
  return 'default' in o && o.default !== undefined ? String(o.default) : 'none';
}

/** What values the schema allows, for the docs. */
export function allowedText(o: OptionSpec): string {
  switch (o.kind) {
    case 'int':
      return `${o.min} to ${o.max}`;
    case 'choice':
      return o.choices.join(', ');
    case 'boolean':
      return 'true, false';
    case 'path':
      return 'file name';
    case 'string':
      return 'text';
  }
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

export function serveHelp(): string {
  const head = (o: OptionSpec): string => `--${o.flag}${argName(o) === '' ? '' : ` ${argName(o)}`}`;
  const column = Math.max(...specs.map((o) => head(o).length)) + 4;
  const indent = ' '.repeat(column);
  const out = [
    'Usage: roomcast serve [options]',
    '',
    ...wrap(
      'Every option can also be set by its environment variable, or in the JSON file named by ' +
        '--config under its flag name without the dashes ({"max-rooms": 500}). A flag wins over ' +
        'the variable, the variable over the file, the file over the default.',
      WIDTH,
    ),
  ];
  const line = (flag: string, help: string): void => {
    const text = wrap(help, WIDTH - column);
    out.push(`  ${flag.padEnd(column - 2)}${text[0] ?? ''}`);
    for (const more of text.slice(1)) out.push(`${indent}${more}`);
  };
  for (const group of optionGroups) {
    out.push('', `${group.title}:`);
    if (group.id === 'general') {
      line('--help, -h', 'this text');
      line('--version', "roomcast's version");
    }
    const members = specs.filter((o) => o.group === group.id);
    if (members.length === 0) out.push('  (none in this build)');
    for (const o of members) {
      line(head(o), o.help);
      const choices = o.kind === 'choice' ? `one of ${o.choices.join(', ')}; ` : '';
      const def = o.kind === 'boolean' ? 'off unless given' : `default ${shownDefault(o)}`;
      out.push(`${indent}${choices}${def}; env ${o.env}`);
    }
  }
  return `${out.join('\n')}\n`;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** README.md's tables of options: one per group, flag, variable, values, default, meaning. */
export function optionsMarkdown(): string {
  const out: string[] = [];
  for (const group of optionGroups) {
    const members = specs.filter((o) => o.group === group.id);
    out.push(`### ${group.title}`, '');
    if (members.length === 0) {
      out.push('None in this build.', '');
      continue;
    }
    out.push(
      '| flag | environment variable | values | default | meaning |',
      '| - | - | - | - | - |',
    );
    for (const o of members) {
      const def =
        o.shownDefault ??
        ('default' in o && o.default !== undefined ? `\`${String(o.default)}\`` : 'none');
      out.push(
        `| \`--${o.flag}\` | \`${o.env}\` | ${cell(allowedText(o))} | ${cell(def)} | ${cell(o.help)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}
