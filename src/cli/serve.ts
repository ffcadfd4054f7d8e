/**
 * `roomcast serve`: the service (src/cli/service.ts) with its settings from flags, environment
 * and config file. KILL_SERVICE stops it at once; SIGTERM and SIGINT drain first (a second one
 * ends the drain); SIGHUP re-reads the TLS certificate and key.
 */
import type { LogLevel } from '../server/logger.js';
import { readServeSettings } from './config.js';
import { createServeLogger, type LogFormat } from './logging.js';
import { serveHelp } from './options-help.js';
import { startService } from './service.js';
import { version } from './version.js';
import { isWorker, killService, onPrimaryKill, runPrimary, workerCount } from './workers.js';

export async function serve(argv: readonly string[]): Promise<void> {
  const { settings, help, version: wantVersion } = readServeSettings(argv, process.env);
  if (help) {
    process.stdout.write(serveHelp());
    return;
  }
  if (wantVersion) {
    process.stdout.write(`roomcast ${version()}\n`);
    return;
  }
  const logger = createServeLogger(
    settings.text('log-level') as LogLevel,
    settings.text('log-format') as LogFormat,
  );
  const workers = workerCount(settings);
  if (workers > 1 && !isWorker()) {
    await runPrimary(settings, logger, workers);
    return;
  }
  let service;
  try {
    service = await startService(settings, logger);
  } catch (err) {
    // A worker's IPC channel would keep it alive: it exits, and the primary decides.
    if (isWorker()) {
      logger.fatal({ err }, 'worker could not start');
      logger.flush();
      process.exit(1);
    }
    throw err;
  }
  const drainDelayMs = settings.int('drain-delay-ms') ?? 0;

  const stop = (why: string, delayMs: number): void => {
    service.stop(why, delayMs).then(
      () => {
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.fatal({ err }, 'stopping failed');
        logger.flush();
        process.exit(1);
      },
    );
  };
  if (isWorker()) {
    // One worker's KILL_SERVICE stops every worker of the service (T14).
    service.chat.on('kill', killService);
    onPrimaryKill(() => stop('KILL_SERVICE', 0));
  } else {
    service.chat.on('kill', () => stop('KILL_SERVICE', 0));
  }
  process.on('SIGINT', () => stop('SIGINT', drainDelayMs));
  process.on('SIGTERM', () => stop('SIGTERM', drainDelayMs));
  process.on('SIGHUP', () => {
    try {
      if (service.reloadTls()) logger.info('tls certificate reloaded');
      else logger.info('SIGHUP: nothing to reload (no TLS port)');
    } catch (err) {
      logger.error({ err }, 'tls certificate reload failed; the previous one stays in use');
    }
  });
}
