/**
 * Overload control (DESIGN.md section 6): when output cannot keep up, read less.
 *
 * Every byte a sender writes can become a hundred deliveries. Read without limit and the
 * server's memory, not the kernel's socket buffers, absorbs the difference, until healthy
 * readers are cut off as "slow". So connections take their requests through this gate, and
 * it closes in two cases:
 * - **The turn's budget is spent**: more than `turnBudgetBytes` of output was queued in this
 *   event-loop turn, or one connection was queued more than its share (a quarter of its
 *   slow-reader bound: see SendQueue). The rest waits for the next turn, after the flush, so
 *   what one turn can pile up is bounded, and one busy connection cannot keep the others
 *   waiting long.
 * - **Output backs up across the board**: at the end of a turn, at least two sockets, and at
 *   least half of those written in that turn, hold more than the kernel takes (their write
 *   returned false). The gate opens again once nine in ten of them have drained. A socket
 *   that stays backed up for `staleMs` stops counting: it is a reader falling behind while
 *   others keep up, left to the slow-reader bound, and it can hold the gate shut no longer
 *   than that.
 *
 * A connection that finds the gate closed stops reading (TCP carries the pressure back to its
 * peer) and waits here; waiters are released in the order they came, as long as the gate
 * stays open. Pure bookkeeping apart from one timer; the clock is injectable for tests.
 */

/** A connection waiting for the gate: `release` lets it take its requests again. */
export interface GateWaiter {
  release(): void;
}

export interface GateSettings {
  /** Output bytes one turn may queue before intake waits for the next turn. */
  readonly turnBudgetBytes: number;
  /** How long a backed-up socket may hold the gate shut. */
  readonly staleMs: number;
}

export const defaultGateSettings: GateSettings = {
  turnBudgetBytes: 8 * 1024 * 1024,
  staleMs: 1000,
};

export class IntakeGate {
  /** Output bytes queued during this turn, every connection together. */
  private turnBytes = 0;
  /** One connection was given its share of this turn. */
  private turnFull = false;
  /** Sockets whose last write was not all taken, with when that began. */
  private readonly backedUp = new Map<object, number>();
  private shut = false;
  /** While shut: it opens again once fewer than this many sockets are still backed up. */
  private reopenBelow = 0;
  private readonly waiting = new Set<GateWaiter>();
  private staleTimer: NodeJS.Timeout | undefined;
  /** Times the gate shut because output backed up (for operators and tests). */
  closures = 0;

  constructor(
    private readonly settings: GateSettings = defaultGateSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while intake must wait. Checked once per request, so it is two comparisons. */
  get closed(): boolean {
    return this.shut || this.turnFull || this.turnBytes > this.settings.turnBudgetBytes;
  }

  /** Output was queued (one frame for one connection). */
  queued(bytes: number): void {
    this.turnBytes += bytes;
  }

  /** One connection has had as much of this turn's output as it may. */
  shareSpent(): void {
    this.turnFull = true;
  }

  /** `waiter` found the gate closed; it is released when the gate opens. */
  wait(waiter: GateWaiter): void {
    this.waiting.add(waiter);
  }

  /** `waiter` is gone (its connection closed). */
  forget(waiter: GateWaiter): void {
    this.waiting.delete(waiter);
  }

  /** A socket did not take all it was given: it holds bytes unsent until it drains. */
  backedUpSocket(socket: object): void {
    if (!this.backedUp.has(socket)) this.backedUp.set(socket, this.now());
  }

  /** A socket wrote out everything it held (or closed). */
  drained(socket: object): void {
    if (!this.backedUp.delete(socket) || !this.shut) return;
    if (this.freshBackedUp() < this.reopenBelow) this.open();
  }

  /** The turn's output was flushed: `written` sockets were written to. */
  turnEnded(written: number): void {
    this.turnBytes = 0;
    this.turnFull = false;
    // Counting the fresh ones walks the map: only when the whole map could be enough.
    if (!this.shut && this.backedUp.size >= 2 && this.backedUp.size * 2 >= written) {
      const fresh = this.freshBackedUp();
      if (fresh >= 2 && fresh * 2 >= written) {
        this.shut = true;
        this.closures++;
        this.reopenBelow = Math.max(1, Math.ceil(fresh / 10));
        this.staleTimer = setTimeout(this.recheck, this.settings.staleMs);
        this.staleTimer.unref();
        return;
      }
    }
    if (!this.closed) this.releaseWaiting();
  }

  private readonly recheck = (): void => {
    this.staleTimer = undefined;
    if (this.freshBackedUp() < this.reopenBelow) this.open();
    else {
      this.staleTimer = setTimeout(this.recheck, this.settings.staleMs);
      this.staleTimer.unref();
    }
  };

  private open(): void {
    this.shut = false;
    if (this.staleTimer !== undefined) clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    this.releaseWaiting();
  }

  /** Backed-up sockets that have not been so for `staleMs`. */
  private freshBackedUp(): number {
    const since = this.now() - this.settings.staleMs;
    let n = 0;
    for (const start of this.backedUp.values()) if (start > since) n++;
    return n;
  }

  /** In arrival order, while the gate stays open; one that waits again goes to the back. */
  private releaseWaiting(): void {
    for (const waiter of this.waiting) {
      if (this.closed) return;
      this.waiting.delete(waiter);
      waiter.release();
    }
  }
}
