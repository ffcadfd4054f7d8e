/**
 * Prometheus metrics (prom-client), read from counters the servers already keep: every value
 * is computed when /metrics is scraped, never on the fan-out path. The servers count with one
 * add per request, per ERROR_CODE reply and per room event (the member count of its loop);
 * bytes out and unsent bytes are the sockets' own counters. docs/operations.md lists every
 * metric and what to alert on.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Acceptor } from '../conn/acceptor.js';
import type { DirectServer } from '../dm-server/direct-server.js';
import { errorDescriptions } from '../protocol/errors.js';
import type { ChatServer } from '../server/chat-server.js';

export interface MetricSources {
  readonly acceptor: Pick<Acceptor, 'stats'>;
  readonly chat: Pick<ChatServer, 'drops' | 'requests' | 'errorReplies' | 'deliveries' | 'rooms'>;
  readonly direct?: Pick<DirectServer, 'requests' | 'drops'>;
  /** TLS handshakes that failed, if TLS is served. */
  readonly tlsHandshakeFailures?: () => number;
  readonly version: string;
}

/** A counter whose value is a total kept elsewhere: set from it at each scrape. */
function totals<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<[Partial<Record<L, string | number>>, number]>,
): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

function gauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Iterable<[Partial<Record<L, string | number>>, number]>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.set(labels, value);
    },
  });
}

export function createMetrics(s: MetricSources): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const edge = s.acceptor.stats;

  gauge(registry, 'roomcast_build_info', 'roomcast build; the value is 1', ['version'], () => [
    [{ version: s.version }, 1],
  ]);
  gauge(
    registry,
    'roomcast_connections',
    'Open connections by protocol (tcd, col334; undecided until the first bytes tell) and transport',
    ['protocol', 'transport'],
    function* () {
      for (const c of edge.connections())
        yield [{ protocol: c.protocol, transport: c.transport }, c.n];
    },
  );
  totals(
    registry,
    'roomcast_connections_accepted_total',
    'Connections admitted',
    ['transport'],
    () => [...edge.accepted.entries()].map(([transport, n]) => [{ transport }, n]),
  );
  totals(
    registry,
    'roomcast_connections_refused_total',
    'Connections turned away at accept time (error 12), by cause: server-full, address-full',
    ['cause'],
    () => [...edge.refused.entries()].map(([cause, n]) => [{ cause }, n]),
  );
  totals(
    registry,
    'roomcast_connections_cut_total',
    'Connections the server cut off, by cause (slow-reader, idle, internal-error, first-request-timeout)',
    ['cause'],
    () => {
      const causes = new Map<string, number>([['first-request-timeout', 0]]);
      const add = (cause: string, n: number): void => {
        causes.set(cause, (causes.get(cause) ?? 0) + n);
      };
      for (const [cause, n] of Object.entries(s.chat.drops)) add(cause, n);
      for (const [cause, n] of s.direct?.drops.entries() ?? []) add(cause, n);
      for (const [cause, n] of edge.cut.entries()) add(cause, n);
      return [...causes].map(([cause, n]) => [{ cause }, n]);
    },
  );
  gauge(registry, 'roomcast_rooms', 'Chat rooms the server holds', [], () => [
    [{}, s.chat.rooms.roomCount],
  ]);
  totals(
    registry,
    'roomcast_requests_total',
    'Requests served, by protocol and type (tcd: helo, join, chat, leave, disconnect, kill, invalid)',
    ['protocol', 'type'],
    function* () {
      for (const [type, n] of s.chat.requests.entries()) yield [{ protocol: 'tcd', type }, n];
      for (const [type, n] of s.direct?.requests.entries() ?? []) {
        yield [{ protocol: 'col334', type }, n];
      }
    },
  );
  totals(
    registry,
    'roomcast_deliveries_total',
    'Room events (chats, join and leave notices) queued to members: one per member per event',
    [],
    () => [[{}, s.chat.deliveries]],
  );
  totals(
    registry,
    'roomcast_error_replies_total',
    'ERROR_CODE replies of the chat-room protocol, by code (docs/protocol.md#errors)',
    ['code'],
    () =>
      Object.keys(errorDescriptions).map((code) => [
        { code },
        s.chat.errorReplies.get(Number(code)),
      ]),
  );
  totals(
    registry,
    'roomcast_bytes_out_total',
    'Bytes written to clients (before TLS encryption), by transport',
    ['transport'],
    () => [...edge.bytesOut()].map(([transport, n]) => [{ transport }, n]),
  );
  gauge(
    registry,
    'roomcast_send_queue_bytes',
    'Bytes written to client sockets and not yet taken by the clients, all connections together',
    [],
    () => [[{}, edge.queuedBytes()]],
  );
  const failures = s.tlsHandshakeFailures;
  if (failures !== undefined) {
    totals(
      registry,
      'roomcast_tls_handshake_failures_total',
      'TLS handshakes that failed (plain text on the TLS port, untrusted certificate, ...)',
      [],
      () => [[{}, failures()]],
    );
  }
  return registry;
}
