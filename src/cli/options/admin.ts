/** The operator's HTTP port: health, readiness and Prometheus metrics. */
import type { OptionSpec } from './spec.js';

export const adminOptions = [
  {
    flag: 'admin-port',
    env: 'ROOMCAST_ADMIN_PORT',
    group: 'admin',
    kind: 'int',
    min: 0,
    max: 65_535,
    shownDefault: 'none (not served)',
    help: 'HTTP port of /healthz, /readyz and /metrics (0: any free port)',
  },
  {
    flag: 'admin-host',
    env: 'ROOMCAST_ADMIN_HOST',
    group: 'admin',
    kind: 'string',
    arg: 'ADDRESS',
    default: '127.0.0.1',
    help: 'address the admin port listens on',
  },
] as const satisfies readonly OptionSpec[];
