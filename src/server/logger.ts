/** Structured logs (pino): one JSON line per event, to stderr so stdout stays the user's. */
import { pino, type Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export function createLogger(level: LogLevel): Logger {
  return pino({ name: 'roomcast', level }, pino.destination(2));
}
