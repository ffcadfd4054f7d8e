/** `roomcast demo`: the 000 seed's demo client (src/client/demo.ts). */
import { parseArgs } from 'node:util';
import { runDemo } from '../client/demo.js';
import { endpointFlags, endpointFromFlags, intFlag } from './client.js';

const help = `Usage: roomcast demo [--host HOST] [--port PORT] [--url URL] [--name NAME] [--timeout MS]

Runs HELO, JOIN, CHAT, LEAVE (twice), JOIN and DISCONNECT once against a server,
printing each request (C:) and reply (S:). Exit status 0 when every reply came and none was an error.
`;

export async function demo(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: { ...endpointFlags, name: { type: 'string', default: 'demo-client' } },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(help);
    return;
  }
  const ok = await runDemo({
    endpoint: endpointFromFlags(values),
    name: values.name,
    timeoutMs: intFlag('timeout', values.timeout, 1, 3_600_000),
    write: (text) => process.stdout.write(text),
  });
  process.exitCode = ok ? 0 : 1;
}
