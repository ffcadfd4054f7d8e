/** Settings of the service as a whole. */
import type { OptionSpec } from './spec.js';

export const generalOptions = [
  {
    flag: 'config',
    env: 'ROOMCAST_CONFIG',
    group: 'general',
    kind: 'path',
    arg: 'FILE',
    inFile: false,
    shownDefault: 'none',
    help: 'JSON file of settings, keyed by flag name without the dashes: {"max-rooms": 500}',
  },
  {
    flag: 'student-id',
    env: 'ROOMCAST_STUDENT_ID',
    group: 'general',
    kind: 'string',
    arg: 'TEXT',
    default: 'roomcast',
    help: "HELO's StudentID value",
  },
  {
    flag: 'kill-policy',
    arg: 'POLICY',
    env: 'ROOMCAST_KILL_POLICY',
    group: 'general',
    kind: 'choice',
    choices: ['any', 'local', 'off'],
    default: 'any',
    help: 'who may send KILL_SERVICE: anyone, loopback clients only, or nobody',
  },
] as const satisfies readonly OptionSpec[];
