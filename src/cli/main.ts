#!/usr/bin/env node
/** The `roomcast` command: one subcommand per job. */
import { ConfigError } from './config.js';
import { serve } from './serve.js';

const usage = `Usage: roomcast <command> [options]

Commands:
  serve     run the chat server (roomcast serve --help)
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return;
    default:
      process.stderr.write(`roomcast: unknown command '${command}'\n\n${usage}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`roomcast: ${message}\n`);
  process.exitCode =
    err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? 2
      : 1;
});
