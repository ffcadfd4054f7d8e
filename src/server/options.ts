/** What a ChatServer is configured with; src/cli/config.ts fills it from flags and environment. */
import type { Logger } from 'pino';
import type { ConnectionLimits } from '../conn/connection.js';

export type KillPolicy = 'any' | 'local' | 'off';

export interface Limits extends ConnectionLimits {
  /** Largest request in bytes (error 6). */
  readonly maxRequestBytes: number;
  /** Largest CHAT MESSAGE in bytes (error 7). */
  readonly maxMessageBytes: number;
  /** Longest room or client name in bytes (error 10). */
  readonly maxNameBytes: number;
  /** Rooms one connection may be in at once (error 8). */
  readonly maxRoomsPerConnection: number;
  /** Rooms with members the server may hold at once (error 15); emptied rooms are forgotten (T7). */
  readonly maxRooms: number;
}

export interface ServerOptions {
  /** HELO's StudentID (T9). */
  readonly studentId: string;
  /** Who may stop the service with KILL_SERVICE (T14). */
  readonly killPolicy: KillPolicy;
  /** JOINED_CHATROOM's SERVER_IP and PORT, when they should not be the address the client reached. */
  readonly advertiseHost: string | undefined;
  readonly advertisePort: number | undefined;
  /** How long a connection must stay quiet before an unterminated last line counts (T11). */
  readonly quietMs: number;
  readonly limits: Limits;
  readonly logger: Logger;
}

export const defaultLimits: Limits = {
  maxRequestBytes: 65_536,
  maxMessageBytes: 32_768,
  maxNameBytes: 256,
  maxRoomsPerConnection: 256,
  maxRooms: 100_000,
  sendQueueBytes: 1_048_576,
  idleTimeoutMs: 0,
  rateLimitPerSecond: 5000,
  rateBurst: 10_000,
};
