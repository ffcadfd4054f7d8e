/**
 * The tests' one polling wait, for conditions no event announces: a counter in the server, a
 * child process's output, a tmux screen, the clock. Where a reply or an event exists, wait on
 * that instead (WireClient.expect, EventClient.waitFor); where "nothing arrives" must be
 * shown, use a round trip as the barrier (WireClient.expectNothing), never a sleep.
 */

export interface WaitOptions {
  /** Fail after this long; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Look again this often; default 10 ms. */
  readonly everyMs?: number;
}

/**
 * Resolves once `done()` holds; fails after the timeout with `waiting for <what>`. `what` may
 * be a function, called only on failure, to show the state waited on. An exception thrown by
 * `done` (a child process exited, say) fails the wait at once.
 */
export async function waitUntil(
  done: () => boolean,
  what: string | (() => string),
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  if (await poll(done, timeoutMs, options.everyMs ?? 10)) return;
  const shown = typeof what === 'string' ? what : what();
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${shown}`);
}

/**
 * Keeps a connection alive while waiting: runs `keepAlive` (a round trip), then waits for
 * `done()` for at most `everyMs`, and again, until `done()` holds or `timeoutMs` has passed.
 * For idle-timeout tests: the gap between two keepalives is `everyMs` plus one round trip,
 * so choose it well under the timeout being tested.
 */
export async function keepAliveUntil(
  done: () => boolean,
  keepAlive: () => Promise<void>,
  what: string,
  options: WaitOptions & { readonly everyMs: number },
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await keepAlive();
    await poll(done, options.everyMs, Math.min(10, options.everyMs));
  }
}

/** True as soon as `done()` holds, false once `timeoutMs` has passed without it. */
async function poll(done: () => boolean, timeoutMs: number, everyMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(everyMs, left)));
  }
  return true;
}
