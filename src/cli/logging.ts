/**
 * The server's logger: pino's JSON lines on stderr (src/server/logger.ts), or readable lines
 * when a person is watching (a terminal, or `--log-format pretty`).
 */
import { pino, type Logger } from 'pino';
import { createLogger, type LogLevel } from '../server/logger.js';
import { prettyDestination } from './log-pretty.js';

export type LogFormat = 'auto' | 'json' | 'pretty';

export function createServeLogger(
  level: LogLevel,
  format: LogFormat,
  stderr: NodeJS.WriteStream = process.stderr,
): Logger {
  const pretty = format === 'pretty' || (format === 'auto' && stderr.isTTY);
  if (!pretty) return createLogger(level);
  return pino({ name: 'roomcast', level }, prettyDestination(stderr));
}
