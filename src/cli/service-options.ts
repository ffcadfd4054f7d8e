/** The resolved settings as each part of the service takes them. */
import type { AdmissionLimits } from '../conn/admission.js';
import { defaultDirectTuning, type DirectTuning } from '../dm-server/options.js';
import type { KillPolicy, ServerOptions } from '../server/options.js';
import type { Settings } from './config.js';
import type { FlagOfKind } from './options-table.js';

// Every setting read with `int` below has a default in the schema, so it is always present.
const int = (s: Settings, flag: FlagOfKind<'int'>): number => s.int(flag) ?? 0;

export function optionsFromSettings(s: Settings): Omit<ServerOptions, 'logger'> {
  return {
    studentId: s.text('student-id') ?? '',
    killPolicy: s.text('kill-policy') as KillPolicy,
    advertiseHost: s.text('advertise-host'),
    advertisePort: s.int('advertise-port'),
    quietMs: int(s, 'quiet-ms'),
    limits: {
      maxRequestBytes: int(s, 'max-request-bytes'),
      maxMessageBytes: int(s, 'max-message-bytes'),
      maxNameBytes: int(s, 'max-name-bytes'),
      maxRoomsPerConnection: int(s, 'max-rooms-per-connection'),
      maxRooms: int(s, 'max-rooms'),
      sendQueueBytes: int(s, 'send-queue-bytes'),
      idleTimeoutMs: int(s, 'idle-timeout-ms'),
      rateLimitPerSecond: int(s, 'rate-limit'),
      rateBurst: int(s, 'rate-burst'),
    },
  };
}

export function admissionFromSettings(s: Settings): AdmissionLimits {
  return {
    maxConnections: int(s, 'max-connections'),
    maxConnectionsPerAddress: int(s, 'max-connections-per-address'),
    idleTimeoutMs: int(s, 'idle-timeout-ms'),
    firstRequestTimeoutMs: int(s, 'first-request-timeout-ms'),
    exemptLoopback: !s.bool('limit-loopback'),
  };
}

export function directTuningFromSettings(s: Settings): DirectTuning {
  return { ...defaultDirectTuning, ackTimeoutMs: int(s, 'dm-ack-timeout-ms') };
}
