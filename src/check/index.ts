/** Every check, in the order they run: course scenario, rules, framing, errors, KILL_SERVICE last. */
import { courseChecks } from './scenarios/course.js';
import { errorChecks } from './scenarios/errors.js';
import { framingChecks } from './scenarios/framing.js';
import { killChecks } from './scenarios/kill.js';
import { deliveryChecks } from './scenarios/rules-delivery.js';
import { sessionChecks } from './scenarios/rules-session.js';
import type { Check } from './types.js';

/** T1, T2, ... T13 in number order (the sort is stable: a rule's checks keep their order). */
const rules = [...deliveryChecks, ...sessionChecks].sort(
  (a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)),
);

export const allChecks: readonly Check[] = [
  ...courseChecks,
  ...rules,
  ...framingChecks,
  ...errorChecks,
  ...killChecks, // T14 ends the server: always last
];
