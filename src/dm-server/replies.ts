/**
 * One connection's replies in the order of its requests. Delivery confirmations complete out
 * of order (recipients acknowledge at their own pace), but `ERROR 102 Unable to send` names no
 * recipient, so a client that sends several messages before reading a reply can only match
 * replies to its SENDs by position. Each request reserves a slot; a reply leaves once every
 * earlier slot has left.
 */
interface Slot {
  reply: Buffer | undefined;
}

export class OrderedReplies {
  private slots: Slot[] = [];

  constructor(
    private readonly write: (reply: Buffer) => void,
    /** Called after replies were released, so a paused reader can resume. */
    private readonly released: () => void,
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

  /** Forgets every reserved slot (the connection is closing). */
  clear(): void {
    this.slots = [];
  }

  private release(): void {
    let head = this.slots[0];
    while (head?.reply !== undefined) {
      this.slots.shift();
      this.write(head.reply);
      head = this.slots[0];
    }
    this.released();
  }
}
