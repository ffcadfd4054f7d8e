/** The operator's docs name every setting of `roomcast serve`, with its variable and default. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { serveOptions } from '../../src/cli/options-table.js';

const read = (path: string): Promise<string> =>
  readFile(new URL(`../../${path}`, import.meta.url), 'utf8');

test('README.md lists every flag and environment variable of roomcast serve', async () => {
  const readme = await read('README.md');
  for (const o of serveOptions) {
    assert.ok(readme.includes(`--${o.flag}`), `--${o.flag} in README.md`);
    assert.ok(readme.includes(o.env), `${o.env} in README.md`);
  }
});

test('docs/operations.md gives each limit its flag, variable and default', async () => {
  const ops = await read('docs/operations.md');
  const limits = serveOptions.filter(
    (o) =>
      o.flag.startsWith('max-') ||
      ['send-queue-bytes', 'idle-timeout-ms', 'rate-limit', 'rate-burst', 'quiet-ms'].includes(
        o.flag,
      ),
  );
  for (const o of limits) {
    const row = ops.split('\n').find((line) => line.includes(`\`--${o.flag}\``));
    assert.ok(row !== undefined, `--${o.flag} has a row`);
    assert.ok(row.includes(o.env), `${o.env} in the row of --${o.flag}`);
    assert.ok(
      row.startsWith('| ') && row.includes(` ${o.default}`),
      `default ${o.default} in the row of --${o.flag}`,
    );
  }
});
