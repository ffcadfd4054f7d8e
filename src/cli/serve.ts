/** `roomcast serve`: a ChatServer on a TCP port, stopped by KILL_SERVICE, SIGINT or SIGTERM. */
import { Acceptor } from '../conn/acceptor.js';
import type { AdmissionLimits } from '../conn/admission.js';
import { DirectServer } from '../dm-server/direct-server.js';
import { defaultDirectTuning } from '../dm-server/options.js';
import { claimsCol334 } from '../protocol/col334.js';
import { ChatServer } from '../server/chat-server.js';
import { createLogger, type LogLevel } from '../server/logger.js';
import type { KillPolicy, ServerOptions } from '../server/options.js';
import { listenTcp } from '../transport/tcp.js';
import { clusterSeams } from './cluster.js';
import { intSetting, readServeSettings, serveHelp, type RawSettings } from './config.js';
import type { ServeFlag } from './options-table.js';

export function optionsFromSettings(s: RawSettings): Omit<ServerOptions, 'logger'> {
  // Every setting below has a default in the options table, so it is always present.
  const int = (flag: ServeFlag): number => intSetting(s, flag) ?? 0;
  return {
    studentId: s['student-id'] ?? '',
    killPolicy: s['kill-policy'] as KillPolicy,
    advertiseHost: s['advertise-host'],
    advertisePort: intSetting(s, 'advertise-port'),
    quietMs: int('quiet-ms'),
    limits: {
      maxRequestBytes: int('max-request-bytes'),
      maxMessageBytes: int('max-message-bytes'),
      maxNameBytes: int('max-name-bytes'),
      maxRoomsPerConnection: int('max-rooms-per-connection'),
      maxRooms: int('max-rooms'),
      sendQueueBytes: int('send-queue-bytes'),
      idleTimeoutMs: int('idle-timeout-ms'),
      rateLimitPerSecond: int('rate-limit'),
      rateBurst: int('rate-burst'),
    },
  };
}

export function admissionFromSettings(s: RawSettings): AdmissionLimits {
  return {
    maxConnections: intSetting(s, 'max-connections') ?? 0,
    maxConnectionsPerAddress: intSetting(s, 'max-connections-per-address') ?? 0,
    idleTimeoutMs: intSetting(s, 'idle-timeout-ms') ?? 0,
  };
}

export async function serve(argv: readonly string[]): Promise<void> {
  const { settings, help } = readServeSettings(argv, process.env);
  if (help) {
    process.stdout.write(serveHelp());
    return;
  }
  const logger = createLogger(settings['log-level'] as LogLevel);
  const options = { ...optionsFromSettings(settings), logger };
  const server = new ChatServer(options, await clusterSeams(settings, logger));
  const direct = new DirectServer({
    ...defaultDirectTuning,
    ackTimeoutMs: intSetting(settings, 'dm-ack-timeout-ms') ?? defaultDirectTuning.ackTimeoutMs,
    limits: options.limits,
    logger,
  });
  const acceptor = new Acceptor(
    server,
    [{ claims: claimsCol334, handler: direct }],
    admissionFromSettings(settings),
  );
  const port = intSetting(settings, 'port') ?? 0;
  const listener = await listenTcp(acceptor, settings.host, port, logger);
  logger.info({ host: listener.host, port: listener.port }, 'listening');

  let stopping = false;
  const stop = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'stopping');
    // KILL_SERVICE closes without a word (T14); a signal tells clients why (error 14).
    const notice = why === 'KILL_SERVICE' ? undefined : why;
    await Promise.all([listener.close(), acceptor.shutdown(2000, notice)]);
    logger.flush();
    process.exit(0);
  };
  server.on('kill', () => void stop('KILL_SERVICE'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
