/**
 * One connection's replies in the order of its requests, when some of them complete later
 * than others: a COL334 delivery confirmation waits for the recipient's acknowledgement, a
 * chat-room request in a cluster waits for the store. Each such request reserves a slot; a
 * reply leaves once every earlier slot has left. A slot may be filled with nothing (an empty
 * buffer): a request whose success has no reply. Either protocol's replies are bytes here.
 */
interface Slot {
  reply: Buffer | undefined;
}

export class OrderedReplies {
  private slots: Slot[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly write: (reply: Buffer) => void,
    /** Called after replies were released, so a paused reader can resume. */
    private readonly released: () => void = () => {},
  ) {}

  /** Slots reserved and not yet released. */
  get waiting(): number {
    return this.slots.length;
  }

  /** Reserves the next position; the returned function fills it (only the first call counts). */
  reserve(): (reply: Buffer) => void {
    const slot: Slot = { reply: undefined };
    this.slots.push(slot);
    return (reply) => {
      if (slot.reply !== undefined) return;
      slot.reply = reply;
      if (this.slots[0] === slot) this.release();
    };
  }

  /** Resolves once every slot reserved so far has left (at once if none waits). */
  idle(): Promise<void> {
    if (this.slots.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets every reserved slot (the connection is closing). */
  clear(): void {
    this.slots = [];
    this.wakeIdle();
  }

  private release(): void {
    let head = this.slots[0];
    while (head?.reply !== undefined) {
      this.slots.shift();
      if (head.reply.length > 0) this.write(head.reply);
      head = this.slots[0];
    }
    if (this.slots.length === 0) this.wakeIdle();
    this.released();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
