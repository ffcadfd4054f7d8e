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
 * - **Output backs up across the board**: at least `minBackedUp` sockets, and at least half of
 *   those written to lately (this window of `staleMs` or the last), hold more than the kernel
 *   takes (their write returned false). The gate opens again once fewer than a tenth of them
 *   (rounded up) are still backed up. A socket counts only for `staleMs` from when it first backed up, and backing up
 *   again soon after it drained does not make it new (`cooldownMs`): a reader that keeps
 *   falling behind while others keep up is left to the slow-reader bound, and a few
 *   connections that read in bursts cannot hold everybody's intake.
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
  /** How long a backed-up socket may hold the gate shut; also the window of "lately". */
  readonly staleMs: number;
  /** A socket that backs up again within this of draining keeps its first time. */
  readonly cooldownMs: number;
  /** Fewer backed-up sockets than this never shut the gate. */
  readonly minBackedUp: number;
}

export const defaultGateSettings: GateSettings = {
  // Above what a healthy burst queues in one turn: in the benchmark's burst1000, 100 senders
  // with 16 messages in flight each into rooms of 100 can queue up to 16 MB, if every window
  // arrives in the same turn. A budget under what a turn brings splits the turn in two, and
  // each member then gets two writes instead of one: at 8 MiB burst1000 made 10 % more writes
  // than at 16 MiB. overload100's peak RSS stays about 100-110 MB at either (bench/README.md,
  // "Tried and left").
  turnBudgetBytes: 16 * 1024 * 1024,
  staleMs: 1000,
  cooldownMs: 10_000,
  minBackedUp: 8,
};

interface BackedUp {
  readonly since: number;
  /** Among those that shut the gate (drained ones count down `shutCount`). */
  counted: boolean;
}

export class IntakeGate {
  /** Output bytes queued during this turn, every connection together. */
  private turnBytes = 0;
  /** One connection was given its share of this turn. */
  private turnFull = false;
  /** Sockets whose last write was not all taken, and since when they count. */
  private readonly backedUp = new Map<object, BackedUp>();
  private shut = false;
  /** While shut: how many of the sockets that shut it are still backed up. */
  private shutCount = 0;
  /** While shut: it opens again once fewer than this many of those are. */
  private reopenBelow = 0;
  private readonly waiting = new Set<GateWaiter>();
  private staleTimer: NodeJS.Timeout | undefined;
  /** Sockets written to in this window and the last (the population "across the board"). */
  private window = 0;
  private windowStart: number;
  private writtenNow = 0;
  private writtenBefore = 0;
  /** Times the gate shut because output backed up (for operators and tests). */
  closures = 0;

  constructor(
    private readonly settings: GateSettings = defaultGateSettings,
    readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  get cooldownMs(): number {
    return this.settings.cooldownMs;
  }

  /** True while intake must wait. Checked once per request, so it is a few comparisons. */
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

  /** A socket was written to; `lastWindow` is the window it was last written in. Returns this one. */
  wrote(lastWindow: number): number {
    if (lastWindow !== this.window) this.writtenNow++;
    return this.window;
  }

  /** `waiter` found the gate closed; it is released when the gate opens. */
  wait(waiter: GateWaiter): void {
    this.waiting.add(waiter);
  }

  /** `waiter` is gone (its connection closed). */
  forget(waiter: GateWaiter): void {
    this.waiting.delete(waiter);
  }

  /** A socket did not take all it was given, and counts from `since` (see cooldownMs). */
  backedUpSocket(socket: object, since: number): void {
    if (!this.backedUp.has(socket)) this.backedUp.set(socket, { since, counted: false });
  }

  /** A socket wrote out everything it held (or closed). */
  drained(socket: object): void {
    const entry = this.backedUp.get(socket);
    if (entry === undefined) return;
    this.backedUp.delete(socket);
    if (!this.shut || !entry.counted) return;
    if (--this.shutCount < this.reopenBelow) this.open();
  }

  /** The turn's output was flushed. */
  turnEnded(): void {
    this.turnBytes = 0;
    this.turnFull = false;
    const { minBackedUp, staleMs } = this.settings;
    const now = this.now();
    if (now - this.windowStart >= staleMs) {
      this.window++;
      this.windowStart = now;
      this.writtenBefore = this.writtenNow;
      this.writtenNow = 0;
    }
    const lately = Math.max(this.writtenNow, this.writtenBefore);
    // Counting the fresh ones walks the map: only when the whole map could be enough.
    if (!this.shut && this.backedUp.size >= minBackedUp && this.backedUp.size * 2 >= lately) {
      const fresh = this.freshBackedUp(now);
      if (fresh.length >= minBackedUp && fresh.length * 2 >= lately) {
        this.shut = true;
        this.closures++;
        for (const entry of fresh) entry.counted = true;
        this.shutCount = fresh.length;
        this.reopenBelow = Math.max(1, Math.ceil(fresh.length / 10));
        this.staleTimer = setTimeout(this.stale, staleMs);
        this.staleTimer.unref();
        return;
      }
    }
    if (!this.closed) this.releaseWaiting();
  }

  /** The sockets that shut the gate have had their time: whoever is still behind is slow. */
  private readonly stale = (): void => {
    this.staleTimer = undefined;
    this.open();
  };

  private open(): void {
    this.shut = false;
    this.shutCount = 0;
    for (const entry of this.backedUp.values()) entry.counted = false;
    if (this.staleTimer !== undefined) clearTimeout(this.staleTimer);
    this.staleTimer = undefined;
    this.releaseWaiting();
  }

  /** Backed-up sockets that have not been so for `staleMs`. */
  private freshBackedUp(now: number): BackedUp[] {
    const since = now - this.settings.staleMs;
    const fresh: BackedUp[] = [];
    for (const entry of this.backedUp.values()) if (entry.since > since) fresh.push(entry);
    return fresh;
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
