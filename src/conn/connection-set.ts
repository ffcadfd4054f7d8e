/**
 * The connections one protocol's server holds, and how it stops them: what both servers
 * (chat rooms, direct messages) share of accepting and shutting down.
 */
import type { Connection } from './connection.js';

export class ConnectionSet<C extends Connection> implements Iterable<C> {
  private readonly members = new Set<C>();
  private closing = false;

  get size(): number {
    return this.members.size;
  }

  /** True once `closeAll` began: new connections are finished as soon as they arrive. */
  get stopping(): boolean {
    return this.closing;
  }

  /**
   * Takes a new connection and starts serving it with `head`, the bytes already read from it
   * (a server that is stopping finishes it at once).
   */
  open(connection: C, head: Buffer): void {
    this.members.add(connection);
    connection.logOpened();
    if (this.closing) connection.finish('server stopping');
    else connection.start(head);
  }

  delete(connection: C): void {
    this.members.delete(connection);
  }

  [Symbol.iterator](): Iterator<C> {
    return this.members.values();
  }

  /**
   * Finishes every connection (queued output is sent; `farewell` may queue a last word first),
   * then cuts those that have not closed within `graceMs`.
   */
  async closeAll(graceMs: number, farewell?: (connection: C) => void): Promise<void> {
    this.closing = true;
    for (const connection of [...this.members]) {
      if (connection.state === 'open') farewell?.(connection);
      connection.finish('server stopping');
    }
    await waitUntil(() => this.members.size === 0, graceMs);
    for (const connection of this.members) connection.abort('server stopping (grace period over)');
    await waitUntil(() => this.members.size === 0, 500);
  }
}

/** Resolves once `done()` holds or `timeoutMs` has passed, checking every `stepMs`. */
export async function waitUntil(
  done: () => boolean,
  timeoutMs: number,
  stepMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}
