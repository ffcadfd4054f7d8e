/** `roomcast serve`: a ChatServer on a TCP port, stopped by KILL_SERVICE, SIGINT or SIGTERM. */
import { Acceptor } from '../server/acceptor.js';
import { ChatServer } from '../server/chat-server.js';
import { createLogger, type LogLevel } from '../server/logger.js';
import type { KillPolicy, ServerOptions } from '../server/options.js';
import { listenTcp } from '../transport/tcp.js';
import { intSetting, readServeSettings, serveHelp, type RawSettings } from './config.js';

export function optionsFromSettings(s: RawSettings): Omit<ServerOptions, 'logger'> {
  const int = (flag: Parameters<typeof intSetting>[1], fallback: number): number =>
    intSetting(s, flag) ?? fallback;
  return {
    studentId: s['student-id'] ?? 'roomcast',
    killPolicy: (s['kill-policy'] ?? 'any') as KillPolicy,
    advertiseHost: s['advertise-host'],
    advertisePort: intSetting(s, 'advertise-port'),
    quietMs: int('quiet-ms', 100),
    limits: {
      maxRequestBytes: int('max-request-bytes', 65_536),
      maxMessageBytes: int('max-message-bytes', 32_768),
      maxNameBytes: int('max-name-bytes', 256),
      maxRoomsPerConnection: int('max-rooms-per-connection', 256),
      sendQueueBytes: int('send-queue-bytes', 1_048_576),
    },
  };
}

export async function serve(argv: readonly string[]): Promise<void> {
  const { settings, help } = readServeSettings(argv, process.env);
  if (help) {
    process.stdout.write(serveHelp());
    return;
  }
  const logger = createLogger((settings['log-level'] ?? 'info') as LogLevel);
  const server = new ChatServer({ ...optionsFromSettings(settings), logger });
  const acceptor = new Acceptor({ tcd: server });
  const port = intSetting(settings, 'port') ?? 8080;
  const listener = await listenTcp(acceptor, settings.host, port, logger);
  logger.info({ host: listener.host, port: listener.port }, 'listening');

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'stopping');
    await Promise.all([listener.close(), acceptor.shutdown()]);
    logger.flush();
    process.exit(0);
  };
  server.on('kill', () => void stop('KILL_SERVICE'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
