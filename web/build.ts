/**
 * Builds the web client into dist/web: web/src/main.ts and the protocol code it shares with
 * the server (src/protocol, src/client) bundled by esbuild into one script, with Node's
 * Buffer from the `buffer` package; the page and its style sheet copied beside it.
 * Run by `npm run build` (compile.sh, test.sh); `roomcast serve --http-port` serves the result.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const at = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const out = at('../dist/web/');

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: [at('src/main.ts')],
  outfile: `${out}app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  inject: [at('src/buffer-global.ts')],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
await Promise.all(['index.html', 'app.css'].map((name) => copyFile(at(name), `${out}${name}`)));
