/** What is logged, and how it looks. */
import type { OptionSpec } from './spec.js';

export const loggingOptions = [
  {
    flag: 'log-level',
    arg: 'LEVEL',
    env: 'ROOMCAST_LOG_LEVEL',
    group: 'logging',
    kind: 'choice',
    choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    default: 'info',
    help: 'least severe level logged (on stderr)',
  },
  {
    flag: 'log-format',
    arg: 'FORMAT',
    env: 'ROOMCAST_LOG_FORMAT',
    group: 'logging',
    kind: 'choice',
    choices: ['auto', 'json', 'pretty'],
    default: 'auto',
    help: 'json: one JSON object a line (pino); pretty: readable lines; auto: pretty when stderr is a terminal, else json',
  },
] as const satisfies readonly OptionSpec[];
