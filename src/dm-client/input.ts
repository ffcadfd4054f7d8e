/**
 * A line typed to the `dm` client (seed 004): `@user: text` or `@ALL: text`. Pure. The text is
 * trimmed like the seed's client does; a line that is not in that form gets help, not a send.
 */
import { BROADCAST, isUsername } from '../protocol/col334.js';

export type DmInput =
  | { readonly kind: 'message'; readonly to: string; readonly text: string }
  | { readonly kind: 'blank' }
  | { readonly kind: 'invalid'; readonly why: string };

export const dmUsage = 'Use @USER: message, or @ALL: message for everyone';

export function parseDmInput(line: string, maxNameBytes = 256): DmInput {
  const trimmed = line.trim();
  if (trimmed === '') return { kind: 'blank' };
  if (!trimmed.startsWith('@')) return { kind: 'invalid', why: 'a message starts with @' };
  const colon = trimmed.indexOf(':');
  if (colon === -1) return { kind: 'invalid', why: "no ':' after the recipient" };
  const to = trimmed.slice(1, colon).trim();
  const text = trimmed.slice(colon + 1).trim();
  if (to !== BROADCAST && !isUsername(to, maxNameBytes)) {
    return { kind: 'invalid', why: `'${to}' is not a username (letters and digits)` };
  }
  if (text === '') return { kind: 'invalid', why: 'the message is empty' };
  return { kind: 'message', to, text };
}

/** Why a name cannot be used to register, checked before connecting; undefined when fine. */
export function nameProblem(name: string, maxNameBytes = 256): string | undefined {
  if (name === BROADCAST) return `'${BROADCAST}' is reserved for messages to everyone`;
  if (!isUsername(name, maxNameBytes)) {
    return `'${name}' is not a username: use letters and digits only (at most ${maxNameBytes})`;
  }
  return undefined;
}
