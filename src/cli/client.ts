/** `roomcast client`: the interactive client (src/client/repl.ts) on stdin and stdout. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { RoomcastClient } from '../client/client.js';
import { webSocketEndpoint, type Endpoint } from '../client/dial.js';
import { Repl } from '../client/repl.js';
import { ConfigError } from './config.js';

const help = `Usage: roomcast client --name NAME [--host HOST] [--port PORT] [--tls [--ca FILE]] [--url URL]
                       [--timeout MS]

  --name NAME      CLIENT_NAME to use (required)
  --host HOST      server address [default: 127.0.0.1]
  --port PORT      server port [default: 8080]
  --tls            connect over TLS (to the server's --tls-port)
  --ca FILE        with --tls: trust the certificates in this PEM file (a self-signed server's)
  --url URL        connect through the server's WebSocket instead (ws://HOST:HTTP_PORT/ws;
                   wss:// over TLS, with --tls --ca FILE for a self-signed server)
  --timeout MS     longest wait for a connection or a reply [default: 5000]

Reads commands from stdin (type help once connected); they can be piped in:
  printf 'join lobby\\nhello\\n' | roomcast client --name bot
Exit status: 0, or 1 after an error to a join, a lost connection, or (input piped) any failed command.
`;

/** The --host/--port/--url/--timeout flags the client, demo and check share. */
export const endpointFlags = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
  url: { type: 'string' },
  timeout: { type: 'string', default: '5000' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function intFlag(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new ConfigError(`--${name} must be an integer from ${min} to ${max}, not '${raw}'`);
  }
  return n;
}

/** The server to reach: `--url` (a WebSocket gateway) if given, else `--host` and `--port`. */
export function endpointFromFlags(values: { host: string; port: string; url?: string }): Endpoint {
  if (values.url === undefined) {
    return { host: values.host, port: intFlag('port', values.port, 1, 65_535) };
  }
  try {
    return webSocketEndpoint(values.url);
  } catch (err) {
    throw new ConfigError(`--url: ${(err as Error).message}`);
  }
}

export async function client(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...endpointFlags,
      name: { type: 'string' },
      tls: { type: 'boolean', default: false },
      ca: { type: 'string' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(help);
    return;
  }
  if (values.name === undefined)
    throw new ConfigError('--name is required (roomcast client --help)');
  if (values.ca !== undefined && !values.tls) throw new ConfigError('--ca is used only with --tls');
  if (values.tls && values.url?.startsWith('ws://') === true) {
    throw new ConfigError('--tls with a ws:// URL: a wss:// URL is the WebSocket over TLS');
  }
  const c = await RoomcastClient.connect({
    ...endpointFromFlags(values),
    name: values.name,
    timeoutMs: intFlag('timeout', values.timeout, 1, 3_600_000),
    ...(values.tls ? { tls: values.ca === undefined ? {} : { ca: readCa(values.ca) } } : {}),
  }).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    // A certificate the system does not trust: most often a self-signed server's.
    if (values.tls && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(message)) {
      throw new Error(`${message} (to trust the server's certificate: --ca FILE)`, { cause: err });
    }
    throw err;
  });
  const terminal = process.stdin.isTTY && process.stdout.isTTY;
  const code = await new Repl({
    client: c,
    input: process.stdin,
    output: process.stdout,
    errorOutput: process.stderr,
    terminal,
  }).run();
  // stdin may still be open (an error ended the session early): exit once output is written.
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ConfigError(`--ca ${path}: cannot read it (${why})`);
  }
}
