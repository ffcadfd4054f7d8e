/** `roomcast check`: the conformance checker (src/check) against any server of the protocol. */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { formatResult, runChecks } from '../check/runner.js';
import { checkGroups } from '../check/types.js';
import { endpointFlags, endpointFromFlags, intFlag } from './client.js';

const help = `Usage: roomcast check [--host HOST] [--port PORT | --url ws://HOST:PORT/ws] [options]

Runs conformance checks against any server of the chat-room protocol (docs/clients.md):
one line per check (PASS/FAIL id title), then "N passed, N failed". Exit 0 only if all pass.

  --host HOST      server address [default: 127.0.0.1]
  --port PORT      server port [default: 8080]
  --url URL        run the checks over the server's WebSocket gateway (ws:// or wss://)
  --only LIST      groups or check ids, comma-separated (${checkGroups.join(', ')}, T1..T14)
  --skip-kill      leave out the KILL_SERVICE check (it stops the server; it runs last)
  --json           print one JSON document instead of lines
  --timeout MS     longest wait for one reply [default: 2000]
  --quiet MS       how long "nothing more arrives" is watched [default: 200]
`;

export async function check(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      ...endpointFlags,
      timeout: { type: 'string', default: '2000' },
      quiet: { type: 'string', default: '200' },
      only: { type: 'string', multiple: true },
      'skip-kill': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(help);
    return;
  }
  const settings = {
    ...endpointFromFlags(values),
    timeoutMs: intFlag('timeout', values.timeout, 1, 600_000),
    quietMs: intFlag('quiet', values.quiet, 1, 60_000),
    suffix: randomBytes(3).toString('hex'),
  };
  const only = (values.only ?? [])
    .flatMap((o) => o.split(','))
    .map((o) => o.trim())
    .filter(Boolean);
  const json = values.json;
  const results = await runChecks(settings, {
    only,
    skipKill: values['skip-kill'],
    ...(json ? {} : { onResult: (r) => process.stdout.write(`${formatResult(r)}\n`) }),
  });
  const passed = results.filter((r) => r.passed).length;
  const failed = results.length - passed;
  if (json) {
    const server = settings.url ?? `${settings.host}:${settings.port}`;
    process.stdout.write(`${JSON.stringify({ server, passed, failed, results }, null, 2)}\n`);
  } else {
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
  }
  process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
}
