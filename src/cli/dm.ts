/**
 * `roomcast dm --host H --port P --name NAME`: the seed 004 terminal client. Reads lines
 * `@user: text` / `@ALL: text` from stdin, one send at a time; prints incoming messages as
 * `sender: text` and each confirmation on stdout, errors and help on stderr. When input ends it
 * waits for the pending confirmation, closes, and exits 0 if every line was delivered, else 1.
 */
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { DmClient, DmError } from '../dm-client/client.js';
import { dmUsage, nameProblem, parseDmInput } from '../dm-client/input.js';
import { ConfigError } from './config.js';

const help = `Usage: roomcast dm --name NAME [--host HOST] [--port PORT]

Direct messages over the COL334 protocol (seed 004). Type one message per line:
  @USER: text    to one user
  @ALL: text     to every other registered user
Incoming messages print as 'sender: text'.

  --name NAME    your username: letters and digits, not ALL (required)
  --host HOST    server address [default: 127.0.0.1]
  --port PORT    server port [default: 8080]
`;

export async function dm(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      name: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(help);
    return;
  }
  const name = values.name;
  if (name === undefined) throw new ConfigError('dm needs --name NAME');
  const problem = nameProblem(name);
  if (problem !== undefined) throw new ConfigError(problem); // before connecting
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port < 1 || port > 65_535) {
    throw new ConfigError(`--port must be 1..65535, not '${values.port}'`);
  }

  let client: DmClient;
  try {
    client = await DmClient.connect({ host: values.host, port, name });
  } catch (err) {
    if (err instanceof DmError) throw new Error(err.message, { cause: err });
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot reach ${values.host}:${port}: ${why}`, { cause: err });
  }
  process.stderr.write(`registered as ${name}. ${dmUsage}.\n`);
  await session(client);
}

async function session(client: DmClient): Promise<void> {
  let failures = 0;
  let lost = false;
  client.onMessage = (from, text) => process.stdout.write(`${from}: ${text}\n`);
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  let inputEnded = false;
  const input = readline.createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  input.on('close', () => {
    inputEnded = true;
    wake?.();
  });
  client.onLost = (reason) => {
    lost = true;
    process.stderr.write(`${reason}\n`);
    wake?.();
  };

  // One send at a time, like the seed's client: each reply answers the line before it.
  while (!lost) {
    const line = lines.shift();
    if (line === undefined) {
      if (inputEnded) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      continue;
    }
    const parsed = parseDmInput(line);
    if (parsed.kind === 'blank') continue;
    if (parsed.kind === 'invalid') {
      failures++;
      process.stderr.write(`${parsed.why}. ${dmUsage}.\n`);
      continue;
    }
    const outcome = await client.send(parsed.to, parsed.text);
    if (outcome.ok) {
      process.stdout.write(`delivered to ${parsed.to}\n`);
    } else {
      failures++;
      process.stderr.write(`not delivered to ${parsed.to}: ${outcome.reason}\n`);
      if (outcome.fatal) lost = true;
    }
  }
  input.close();
  client.close();
  process.exitCode = failures > 0 || lost ? 1 : 0;
}
