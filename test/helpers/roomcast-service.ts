/**
 * The whole service as `roomcast serve` wires it (src/cli/service.ts), in this process, on
 * 127.0.0.1 and port 0 for every listener, with its log lines kept for the test to read.
 */
import { pino } from 'pino';
import { readServeSettings } from '../../src/cli/config.js';
import { startService, type Service } from '../../src/cli/service.js';

export interface TestService {
  readonly service: Service;
  /** Parsed log lines so far, in order. */
  readonly logs: Record<string, unknown>[];
  /** Log lines whose `msg` is `msg`. */
  logged(msg: string): Record<string, unknown>[];
  stop(): Promise<void>;
}

/** `argv` are `roomcast serve` flags; the ports default to 0 and the host to 127.0.0.1. */
export async function startTestService(
  argv: readonly string[],
  logLevel = 'debug',
): Promise<TestService> {
  const { settings } = readServeSettings(
    ['--host', '127.0.0.1', '--port', '0', '--student-id', 'test-id', ...argv],
    {},
    () => {
      throw new Error('no config file in this test');
    },
  );
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: logLevel },
    { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const service = await startService(settings, logger);
  return {
    service,
    logs,
    logged: (msg) => logs.filter((l) => l.msg === msg),
    stop: () => service.stop('test over', 0),
  };
}
