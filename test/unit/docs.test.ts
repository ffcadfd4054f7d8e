/**
 * One schema drives the flags, the variables, the config file, `--help` and README.md's
 * tables of options: README.md must hold exactly the tables the schema renders, `--help`
 * every option in its group, and docs/operations.md a row for each limit.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { optionsMarkdown, serveHelp, shownDefault } from '../../src/cli/options-help.js';
import { optionGroups, serveOptions, type OptionSpec } from '../../src/cli/options-table.js';
import { BEGIN, END } from '../../scripts/options-doc.js';

const read = (path: string): Promise<string> =>
  readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

const specs = serveOptions as readonly OptionSpec[];

/** Markdown as prettier may lay it out, reduced to what it says: cells trimmed, rules unified. */
function normalize(markdown: string): string[] {
  return markdown
    .split('\n')
    .map((line) => {
      if (!line.startsWith('|')) return line.trimEnd();
      const cells = line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim());
      return cells.every((c) => /^:?-+:?$/.test(c)) ? '|-|' : cells.join(' | ');
    })
    .filter((line, i, all) => line !== '' || all[i - 1] !== '');
}

test('README.md holds exactly the options tables the schema renders (npm run docs:options)', async () => {
  const readme = await read('README.md');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  assert.ok(start !== -1 && end > start, 'README.md has the options markers');
  const region = readme.slice(start + BEGIN.length, end).trim();
  assert.deepEqual(normalize(region), normalize(optionsMarkdown().trim()));
});

test('the rendered tables name every flag, variable and default once', () => {
  const tables = optionsMarkdown();
  for (const o of specs) {
    const rows = tables.split('\n').filter((l) => l.startsWith(`| \`--${o.flag}\` |`));
    assert.equal(rows.length, 1, `one row for --${o.flag}`);
    assert.ok(rows[0]?.includes(`\`${o.env}\``), `${o.env} in the row of --${o.flag}`);
    assert.ok(rows[0]?.includes(shownDefault(o)), `default of --${o.flag}`);
  }
});

test('--help lists every option once, under its group, groups in order', () => {
  const help = serveHelp();
  const headings = optionGroups.map((g) => help.indexOf(`\n${g.title}:\n`));
  assert.ok(
    headings.every((at, i) => at !== -1 && (i === 0 || at > (headings[i - 1] ?? 0))),
    'every group heading, in order',
  );
  optionGroups.forEach((group, i) => {
    const section = help.slice(headings[i], headings[i + 1] ?? help.length);
    for (const o of specs.filter((s) => s.group === group.id)) {
      const found = section.match(new RegExp(`^  --${o.flag}( |$)`, 'gm')) ?? [];
      assert.equal(found.length, 1, `--${o.flag} under ${group.title}`);
      assert.ok(section.includes(`env ${o.env}`), `${o.env} under ${group.title}`);
    }
  });
  assert.ok(help.includes('\nCluster:\n'), 'the cluster group exists');
});

test('docs/operations.md gives each limit its flag, variable and default', async () => {
  const ops = await read('docs/operations.md');
  for (const o of specs.filter((s) => s.group === 'limits')) {
    const row = ops.split('\n').find((line) => line.includes(`\`--${o.flag}\``));
    assert.ok(row !== undefined, `--${o.flag} has a row`);
    assert.ok(row.includes(o.env), `${o.env} in the row of --${o.flag}`);
    const def = 'default' in o && o.default !== undefined ? String(o.default) : shownDefault(o);
    assert.ok(
      row.startsWith('| ') && row.includes(` ${def}`),
      `default ${def} in the row of --${o.flag}`,
    );
  }
});
