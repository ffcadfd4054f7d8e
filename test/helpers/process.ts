/** Runs `roomcast serve` as a real process on a free port, for tests of process behaviour. */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface ServerProcess {
  readonly port: number;
  readonly child: ChildProcessByStdio<null, null, Readable>;
  /** Resolves with the exit code once the process ends. */
  readonly exited: Promise<number | null>;
  /** Everything the process logged so far. */
  log(): string;
  kill(): void;
}

export async function spawnServer(extraArgs: readonly string[] = []): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'serve',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    log += chunk;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const look = (): void => {
      const m = /"port":(\d+),"msg":"listening"/.exec(log);
      if (m) resolve(Number(m[1]));
    };
    child.stderr.on('data', look);
    void exited.then(() => reject(new Error(`server exited early: ${log}`)));
  });
  return { port, child, exited, log: () => log, kill: () => child.kill('SIGKILL') };
}
