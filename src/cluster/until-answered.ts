/**
 * Carrying out an operation that must be carried out (a JOIN's undo, a seen-through LEAVE)
 * however long the cluster store takes, and telling Redis's refusals, which pass, from the
 * script's own errors, which would fail again.
 */
import { ErrorReply } from '@redis/client';
import type { Logger } from 'pino';
import { BusUnavailable } from '../bus/bus.js';
import { Unanswered } from './redis-link.js';

/**
 * An operation that must be carried out (a JOIN's undo, a LEAVE) is tried again after this,
 * doubling to RETRY_MAX_MS, each wait drawn within ±25 % so that a node's many retries spread.
 */
const RETRY_MS = 500;
const RETRY_MAX_MS = 4000;

/**
 * What `op` answers, however long the store takes; `failed` is how its first try failed, if
 * it was tried. A command written and given up on is waited for, not sent again (Redis may
 * yet carry it out, and a hung Redis must not pile up copies); one that failed otherwise is
 * sent again, with backoff, an error reply included (NOSCRIPT, LOADING, BUSY, READONLY,
 * OOM, NOPERM: a Redis restarting, failing over or reconfigured). Rejects if the bus closes,
 * or on an error of the script itself (a bug: sending it again would fail again).
 */
export async function untilAnswered(
  op: () => Promise<unknown[]>,
  failed: unknown,
  closing: () => boolean,
  logger: Pick<Logger, 'warn'>,
): Promise<unknown[]> {
  let failure = failed;
  let refused = false;
  for (let tries = 0; ; tries++) {
    if (failure === undefined) {
      try {
        return await op();
      } catch (err) {
        failure = err;
      }
    }
    if (failure instanceof Unanswered) {
      try {
        return (await failure.late) as unknown[];
      } catch (err) {
        failure = err;
      }
    }
    if (isScriptError(failure) || closing()) throw failure;
    if (failure instanceof ErrorReply && !failure.message.startsWith('NOSCRIPT') && !refused) {
      refused = true; // logged once: the retries are what the operator is told of
      logger.warn({ err: failure.message }, 'Redis refused; trying again');
    }
    failure = undefined;
    const wait = Math.min(RETRY_MS * 2 ** tries, RETRY_MAX_MS) * (0.75 + Math.random() / 2);
    await new Promise((resolve) => setTimeout(resolve, wait).unref());
    if (closing()) throw new BusUnavailable('the cluster store was closed');
  }
}

/**
 * An error of the script itself (a Lua error, a wrong call), as Redis 6 and 7 word it; not a
 * refusal by the Redis running it, which Redis 7 words with `… script: <sha>, on
 * @user_script:N.` appended when a call inside the script was refused (OOM, NOPERM, READONLY).
 */
export function isScriptError(err: unknown): boolean {
  return (
    err instanceof ErrorReply &&
    /^(ERR user_script:|ERR Error running script|WRONGTYPE)|wrong number of arg|command called from script|not allowed from script/i.test(
      err.message,
    )
  );
}
