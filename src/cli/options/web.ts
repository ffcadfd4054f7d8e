/** The web client and the WebSocket endpoint that carries the chat-room protocol to browsers. */
import { MAX_TIMER_MS, type OptionSpec } from './spec.js';

export const webOptions = [
  {
    flag: 'http-port',
    env: 'ROOMCAST_HTTP_PORT',
    group: 'web',
    kind: 'int',
    min: 0,
    max: 65_535,
    shownDefault: 'none (not served)',
    help: 'HTTP port of the web client (/) and its WebSocket endpoint (/ws) (0: any free port)',
  },
  {
    flag: 'http-host',
    env: 'ROOMCAST_HTTP_HOST',
    group: 'web',
    kind: 'string',
    arg: 'ADDRESS',
    shownDefault: 'that of --host',
    help: 'address the HTTP port listens on',
  },
  {
    flag: 'http-origins',
    env: 'ROOMCAST_HTTP_ORIGINS',
    group: 'web',
    kind: 'string',
    arg: 'ORIGINS',
    shownDefault: "the page's own origin",
    help: 'other web pages allowed to open the WebSocket: origins separated by commas (https://chat.example.org), or * for any',
  },
  {
    flag: 'max-ws-message-bytes',
    env: 'ROOMCAST_MAX_WS_MESSAGE_BYTES',
    group: 'web',
    kind: 'int',
    min: 256,
    max: 1 << 30,
    default: 65_536,
    help: 'largest WebSocket message a client may send; past it the connection is closed with code 1009',
  },
  {
    flag: 'ws-ping-ms',
    env: 'ROOMCAST_WS_PING_MS',
    group: 'web',
    kind: 'int',
    arg: 'MS',
    min: 0,
    max: MAX_TIMER_MS,
    default: 30_000,
    help: 'ping every WebSocket this often; one that did not answer the previous ping is cut (0: never)',
  },
] as const satisfies readonly OptionSpec[];
