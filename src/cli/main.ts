#!/usr/bin/env node
/** The `roomcast` command: one subcommand per job (src/cli/commands.ts). */
import { subcommands } from './commands.js';
import { ConfigError } from './config.js';
import { version } from './version.js';

function usage(): string {
  const rows = Object.entries(subcommands).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return `Usage: roomcast <command> [options]\n       roomcast --version\n\nCommands:\n${rows.join('\n')}\n`;
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`roomcast ${version()}\n`);
    return;
  }
  const command = subcommands[name];
  if (command === undefined) {
    process.stderr.write(`roomcast: unknown command '${name}'\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  await command.run(rest);
}

function isUsageError(err: unknown): boolean {
  if (err instanceof ConfigError) return true;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`roomcast: ${message}\n`);
  process.exitCode = isUsageError(err) ? 2 : 1;
});
