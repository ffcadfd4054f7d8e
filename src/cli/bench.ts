/**
 * `roomcast bench`: runs the benchmark harness of bench/ (the same as `npm run bench`). The
 * harness is TypeScript run with tsx from a checkout of the repository, not part of dist/.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function bench(argv: readonly string[]): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  if (!existsSync(`${root}bench/run.ts`)) {
    throw new Error('bench/ is not here: run it from a checkout of the roomcast repository');
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...argv], {
    cwd: root,
    stdio: 'inherit',
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  process.exitCode = code ?? 1;
}
