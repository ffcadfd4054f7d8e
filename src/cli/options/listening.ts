/** Where the service listens, and what it tells clients about itself. */
import { MAX_TIMER_MS, type OptionSpec } from './spec.js';

export const listeningOptions = [
  {
    flag: 'port',
    env: 'ROOMCAST_PORT',
    group: 'listening',
    kind: 'int',
    min: 0,
    max: 65_535,
    default: 8080,
    help: 'plain TCP port (0: any free port)',
  },
  {
    flag: 'host',
    env: 'ROOMCAST_HOST',
    group: 'listening',
    kind: 'string',
    arg: 'ADDRESS',
    shownDefault: 'all interfaces',
    help: 'address the plain and TLS ports listen on',
  },
  {
    flag: 'advertise-host',
    env: 'ROOMCAST_ADVERTISE_HOST',
    group: 'listening',
    kind: 'string',
    arg: 'ADDRESS',
    shownDefault: 'the address the client reached',
    help: "JOINED_CHATROOM's SERVER_IP",
  },
  {
    flag: 'advertise-port',
    env: 'ROOMCAST_ADVERTISE_PORT',
    group: 'listening',
    kind: 'int',
    min: 1,
    max: 65_535,
    shownDefault: 'the port the client reached',
    help: "JOINED_CHATROOM's PORT",
  },
  {
    flag: 'drain-delay-ms',
    env: 'ROOMCAST_DRAIN_DELAY_MS',
    group: 'listening',
    kind: 'int',
    arg: 'MS',
    min: 0,
    max: MAX_TIMER_MS,
    default: 0,
    help: 'on SIGTERM or SIGINT, how long /readyz answers 503 while clients are still served, before they are told (error 14) and closed',
  },
] as const satisfies readonly OptionSpec[];
