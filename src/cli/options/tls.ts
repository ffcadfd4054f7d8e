/** Both protocols over TLS, on a port of their own beside the plain one. */
import type { OptionSpec } from './spec.js';

export const tlsOptions = [
  {
    flag: 'tls-port',
    env: 'ROOMCAST_TLS_PORT',
    group: 'tls',
    kind: 'int',
    min: 0,
    max: 65_535,
    shownDefault: 'none (no TLS)',
    help: 'TLS port for both protocols (0: any free port); needs --tls-cert and --tls-key',
  },
  {
    flag: 'tls-cert',
    env: 'ROOMCAST_TLS_CERT',
    group: 'tls',
    kind: 'path',
    arg: 'FILE',
    shownDefault: 'none',
    help: 'PEM certificate chain; re-read with the key on SIGHUP',
  },
  {
    flag: 'tls-key',
    env: 'ROOMCAST_TLS_KEY',
    group: 'tls',
    kind: 'path',
    arg: 'FILE',
    shownDefault: 'none',
    help: 'PEM private key of the certificate',
  },
  {
    flag: 'tls-only',
    env: 'ROOMCAST_TLS_ONLY',
    group: 'tls',
    kind: 'boolean',
    default: false,
    help: 'serve TLS only: the plain --port is not opened',
  },
] as const satisfies readonly OptionSpec[];
