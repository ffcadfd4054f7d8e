/**
 * Every setting of `roomcast serve`: its flag, its environment variable and its default, in one
 * table that drives parsing, validation and `--help` (README.md lists the same table).
 */
import { defaultDirectTuning } from '../dm-server/options.js';
import { defaultLimits } from '../server/options.js';

export interface OptionSpec {
  readonly flag: string;
  readonly env: string;
  readonly kind: 'int' | 'string' | 'choice';
  readonly choices?: readonly string[];
  /** Smallest value an int may take. */
  readonly min?: number;
  readonly default: string | undefined;
  readonly help: string;
}

export const serveOptions = [
  {
    flag: 'port',
    env: 'ROOMCAST_PORT',
    kind: 'int',
    min: 0,
    default: '8080',
    help: 'TCP port to listen on (0: any free port)',
  },
  {
    flag: 'host',
    env: 'ROOMCAST_HOST',
    kind: 'string',
    default: undefined,
    help: 'address to listen on (default: all interfaces)',
  },
  {
    flag: 'student-id',
    env: 'ROOMCAST_STUDENT_ID',
    kind: 'string',
    default: 'roomcast',
    help: "HELO's StudentID value",
  },
  {
    flag: 'kill-policy',
    env: 'ROOMCAST_KILL_POLICY',
    kind: 'choice',
    choices: ['any', 'local', 'off'],
    default: 'any',
    help: 'who may send KILL_SERVICE: anyone, loopback clients only, or nobody',
  },
  {
    flag: 'advertise-host',
    env: 'ROOMCAST_ADVERTISE_HOST',
    kind: 'string',
    default: undefined,
    help: "JOINED_CHATROOM's SERVER_IP (default: the address the client reached)",
  },
  {
    flag: 'advertise-port',
    env: 'ROOMCAST_ADVERTISE_PORT',
    kind: 'int',
    min: 1,
    default: undefined,
    help: "JOINED_CHATROOM's PORT (default: the port the client reached)",
  },
  {
    flag: 'quiet-ms',
    env: 'ROOMCAST_QUIET_MS',
    kind: 'int',
    min: 1,
    default: '100',
    help: 'quiet time after which a request missing its final newline is taken as complete',
  },
  {
    flag: 'max-request-bytes',
    env: 'ROOMCAST_MAX_REQUEST_BYTES',
    kind: 'int',
    min: 256,
    default: String(defaultLimits.maxRequestBytes),
    help: 'largest request (error 6)',
  },
  {
    flag: 'max-message-bytes',
    env: 'ROOMCAST_MAX_MESSAGE_BYTES',
    kind: 'int',
    min: 1,
    default: String(defaultLimits.maxMessageBytes),
    help: 'largest CHAT MESSAGE (error 7)',
  },
  {
    flag: 'max-name-bytes',
    env: 'ROOMCAST_MAX_NAME_BYTES',
    kind: 'int',
    min: 1,
    default: String(defaultLimits.maxNameBytes),
    help: 'longest room or client name (error 10)',
  },
  {
    flag: 'max-rooms-per-connection',
    env: 'ROOMCAST_MAX_ROOMS_PER_CONNECTION',
    kind: 'int',
    min: 1,
    default: String(defaultLimits.maxRoomsPerConnection),
    help: 'rooms one connection may be in (error 8)',
  },
  {
    flag: 'max-rooms',
    env: 'ROOMCAST_MAX_ROOMS',
    kind: 'int',
    min: 1,
    default: String(defaultLimits.maxRooms),
    help: 'rooms with members the server may hold at once (error 15); emptied rooms are forgotten',
  },
  {
    flag: 'send-queue-bytes',
    env: 'ROOMCAST_SEND_QUEUE_BYTES',
    kind: 'int',
    min: 1024,
    default: String(defaultLimits.sendQueueBytes),
    help: 'output queued for one connection before it is cut off as a slow reader',
  },
  {
    flag: 'idle-timeout-ms',
    env: 'ROOMCAST_IDLE_TIMEOUT_MS',
    kind: 'int',
    min: 0,
    default: String(defaultLimits.idleTimeoutMs),
    help: 'close a connection that sends nothing for this long (error 13); 0: never',
  },
  {
    flag: 'rate-limit',
    env: 'ROOMCAST_RATE_LIMIT',
    kind: 'int',
    min: 0,
    default: String(defaultLimits.rateLimitPerSecond),
    help: 'requests per second one connection may sustain; past it the connection is read more slowly (nothing is refused); 0: no limit',
  },
  {
    flag: 'rate-burst',
    env: 'ROOMCAST_RATE_BURST',
    kind: 'int',
    min: 1,
    default: String(defaultLimits.rateBurst),
    help: 'requests above the rate one connection may send at once before it is slowed down',
  },
  {
    flag: 'max-connections',
    env: 'ROOMCAST_MAX_CONNECTIONS',
    kind: 'int',
    min: 0,
    default: '20000',
    help: 'connections in all (error 12 past it); 0: no limit',
  },
  {
    flag: 'max-connections-per-address',
    env: 'ROOMCAST_MAX_CONNECTIONS_PER_ADDRESS',
    kind: 'int',
    min: 0,
    default: '0',
    help: 'connections from one remote address (error 12 past it); 0: no limit',
  },
  {
    flag: 'dm-ack-timeout-ms',
    env: 'ROOMCAST_DM_ACK_TIMEOUT_MS',
    kind: 'int',
    min: 1,
    default: String(defaultDirectTuning.ackTimeoutMs),
    help: 'direct messages: how long a FORWARD waits for RECEIVED before the sender gets ERROR 102',
  },
  {
    flag: 'redis',
    env: 'ROOMCAST_REDIS',
    kind: 'string',
    default: undefined,
    help: 'cluster mode: redis://HOST:PORT of the Redis the nodes of one service share (default: one process, no Redis)',
  },
  {
    flag: 'redis-prefix',
    env: 'ROOMCAST_REDIS_PREFIX',
    kind: 'string',
    default: 'roomcast:',
    help: 'cluster mode: every key and channel starts with it; nodes with the same Redis and prefix are one service',
  },
  {
    flag: 'node-id',
    env: 'ROOMCAST_NODE_ID',
    kind: 'string',
    default: undefined,
    help: "cluster mode: this node's name (default: generated from the host name, pid and a random part; logged)",
  },
  {
    flag: 'node-timeout-ms',
    env: 'ROOMCAST_NODE_TIMEOUT_MS',
    kind: 'int',
    min: 3000,
    default: '10000',
    help: "cluster mode: a node silent this long is taken for dead; the others publish its members' leave notices",
  },
  {
    flag: 'redis-timeout-ms',
    env: 'ROOMCAST_REDIS_TIMEOUT_MS',
    kind: 'int',
    min: 100,
    default: '2000',
    help: 'cluster mode: a request Redis does not answer within this gets error 16',
  },
  {
    flag: 'log-level',
    env: 'ROOMCAST_LOG_LEVEL',
    kind: 'choice',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    default: 'info',
    help: 'log level (JSON lines on stderr)',
  },
] as const satisfies readonly OptionSpec[];

export type ServeFlag = (typeof serveOptions)[number]['flag'];
