/**
 * The whole service as `roomcast serve` runs it: the chat-room and direct-message servers
 * behind one Acceptor, on a plain TCP port and/or a TLS port, the web client and its
 * WebSocket on an HTTP port, and the admin HTTP port with readiness and metrics. Stopping begins with a drain: /readyz answers 503 at once, clients
 * are still served for the drain delay, then the listeners close and clients are told why.
 */
import type { Logger } from 'pino';
import type { AdminListener } from '../admin/admin-server.js';
import { Readiness } from '../admin/readiness.js';
import { Acceptor } from '../conn/acceptor.js';
import { DirectServer } from '../dm-server/direct-server.js';
import { claimsCol334 } from '../protocol/col334.js';
import { ChatServer } from '../server/chat-server.js';
import { listenTcp, type TcpListener } from '../transport/tcp.js';
import type { HttpListener } from '../transport/http.js';
import { listenTls, loadSecureContext, type TlsFiles, type TlsListener } from '../transport/tls.js';
import { startCluster } from './cluster.js';
import { ConfigError, type Settings } from './config.js';
import { startHeapTrim } from './heap-trim.js';
import {
  admissionFromSettings,
  directTuningFromSettings,
  optionsFromSettings,
} from './service-options.js';
import { version } from './version.js';
import { listenWeb } from './web.js';

/** How long connections get to close after they were told to, before they are cut. */
const SHUTDOWN_GRACE_MS = 2000;

export interface Service {
  readonly chat: ChatServer;
  readonly direct: DirectServer;
  readonly acceptor: Acceptor;
  /** Named checks of /readyz; cluster mode adds its own. */
  readonly readiness: Readiness;
  readonly ports: {
    readonly tcp?: number;
    readonly tls?: number;
    /** The web client's and WebSocket's HTTP port (--http-port). */
    readonly web?: number;
    readonly admin?: number;
  };
  /** Re-reads the TLS certificate and key (SIGHUP); false when there is no TLS port. */
  reloadTls(): boolean;
  /**
   * Drains then stops: not ready at once, clients served for `drainDelayMs` more, then the
   * listeners close and every client is told `why` (none for KILL_SERVICE, T14) and closed.
   * Called again while draining, it cuts the drain short.
   */
  stop(why: string, drainDelayMs: number): Promise<void>;
}

export async function startService(settings: Settings, logger: Logger): Promise<Service> {
  const options = { ...optionsFromSettings(settings), logger };
  const cluster = await startCluster(settings, logger);
  const chat = new ChatServer(options, cluster?.seams);
  const direct = new DirectServer({
    ...directTuningFromSettings(settings),
    limits: options.limits,
    logger,
  });
  const admission = admissionFromSettings(settings);
  const acceptor = new Acceptor(chat, [{ name: 'col334', claims: claimsCol334, handler: direct }], {
    limits: admission,
    logger,
  });
  const host = settings.text('host');
  const tlsFiles = tlsFilesOf(settings);
  if (tlsFiles !== undefined) {
    try {
      loadSecureContext(tlsFiles); // a bad certificate is a bad setting: exit 2 before listening
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }

  const listeners: TcpListener[] = [];
  let tcp: TcpListener | undefined;
  let tls: TlsListener | undefined;
  let web: HttpListener | undefined;
  let admin: AdminListener | undefined;
  const readiness = new Readiness();
  try {
    if (!settings.bool('tls-only')) {
      tcp = await listenTcp(acceptor, host, settings.int('port') ?? 0, logger);
      listeners.push(tcp);
      logger.info({ transport: 'tcp', host: tcp.host, port: tcp.port }, 'listening');
    }
    if (tlsFiles !== undefined) {
      tls = await listenTls(acceptor, host, settings.int('tls-port') ?? 0, tlsFiles, logger);
      listeners.push(tls);
      logger.info({ transport: 'tls', host: tls.host, port: tls.port }, 'listening');
    }
    web = await listenWeb(acceptor, settings, logger);
    if (web !== undefined) listeners.push(web);
    const max = admission.maxConnections;
    readiness.add('capacity', () => max === 0 || acceptor.admittedCount < max);
    if (cluster !== undefined) readiness.add('redis', cluster.ready);
    const adminPort = settings.int('admin-port');
    if (adminPort !== undefined) {
      // Loaded only with an admin port: prom-client alone is about 3 MB of heap.
      const { listenAdmin } = await import('../admin/admin-server.js');
      const { createMetrics } = await import('../admin/metrics.js');
      const tlsListener = tls;
      const metrics = createMetrics({
        acceptor,
        chat,
        direct,
        version: version(),
        ...(tlsListener === undefined
          ? {}
          : { tlsHandshakeFailures: () => tlsListener.handshakeFailures }),
      });
      const adminHost = settings.text('admin-host') ?? '127.0.0.1';
      admin = await listenAdmin({ host: adminHost, port: adminPort, metrics, readiness, logger });
      logger.info({ host: admin.host, port: admin.port }, 'admin listening');
    }
  } catch (err) {
    await Promise.all([...listeners.map((l) => l.close()), acceptor.shutdown(0)]);
    throw err;
  }

  // Gives back the heap a storm of joins grew, once it is over (src/cli/heap-trim.ts).
  const heapTrim = startHeapTrim(logger, () => acceptor.admittedCount);
  let stopped: Promise<void> | undefined;
  let endDrain: (() => void) | undefined;
  const ports = {
    ...(tcp === undefined ? {} : { tcp: tcp.port }),
    ...(tls === undefined ? {} : { tls: tls.port }),
    ...(web === undefined ? {} : { web: web.port }),
    ...(admin === undefined ? {} : { admin: admin.port }),
  };
  logger.info({ version: version(), ...ports, given: settings.given() }, 'serving');
  return {
    chat,
    direct,
    acceptor,
    readiness,
    ports,
    reloadTls: () => {
      if (tls === undefined) return false;
      tls.reload();
      return true;
    },
    stop: (why, drainDelayMs) => {
      if (stopped !== undefined) {
        endDrain?.();
        return stopped;
      }
      readiness.beginDrain();
      heapTrim.stop();
      stopped = (async () => {
        if (drainDelayMs > 0) {
          logger.info({ why, drainDelayMs }, 'draining');
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, drainDelayMs);
            endDrain = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        logger.info({ why }, 'stopping');
        // KILL_SERVICE closes without a word (T14); a signal tells clients why (error 14).
        const notice = why === 'KILL_SERVICE' ? undefined : why;
        await Promise.all([
          ...listeners.map((l) => l.close()),
          acceptor.shutdown(SHUTDOWN_GRACE_MS, notice),
        ]);
        await admin?.close();
      })();
      return stopped;
    },
  };
}

function tlsFilesOf(settings: Settings): TlsFiles | undefined {
  if (settings.int('tls-port') === undefined) return undefined;
  const certFile = settings.text('tls-cert');
  const keyFile = settings.text('tls-key');
  // readServeSettings already refused a TLS port without both files.
  if (certFile === undefined || keyFile === undefined) throw new ConfigError('TLS files missing');
  return { certFile, keyFile };
}
