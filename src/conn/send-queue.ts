/**
 * Per-connection output, bounded and batched (DESIGN.md section 4). Frames are queued whole
 * (a room event's one shared Buffer, or a reply) and written once per event-loop turn as one
 * write, which is what lets fan-out keep up with C servers.
 *
 * The bound is on what the socket holds unsent: bytes the peer has not taken. Frames queued
 * during the current turn are references to shared buffers and cost nothing per connection
 * until the flush copies them, so a fast reader who receives a large burst in one turn is
 * not mistaken for a slow one. A reader whose socket still holds more than the bound, from
 * earlier turns, when more arrives or is about to be written is cut off; nobody else waits
 * for it. What one connection can hold is so the bound plus one turn's output.
 */
export interface ByteSink {
  write(chunk: Buffer): boolean;
  readonly writableLength: number;
}

/** Flushes every queue that received bytes during this turn, once, in the check phase. */
export class FlushScheduler {
  private readonly dirty = new Set<SendQueue>();
  private scheduled = false;

  mark(queue: SendQueue): void {
    this.dirty.add(queue);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
    for (const queue of this.dirty) queue.flush();
    this.dirty.clear();
  };
}

export class SendQueue {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overflowed = false;

  constructor(
    private readonly sink: ByteSink,
    private readonly scheduler: FlushScheduler,
    private readonly limitBytes: number,
    /** Called once when the bound is passed; the queue drops everything after it. */
    private readonly onOverflow: (queuedBytes: number) => void,
  ) {}

  /** Bytes waiting here plus bytes the socket holds unsent. */
  get queuedBytes(): number {
    return this.pendingBytes + this.sink.writableLength;
  }

  push(frame: Buffer): void {
    if (this.overflowed) return;
    if (this.sink.writableLength > this.limitBytes) {
      this.overflow();
      return;
    }
    if (this.pendingBytes === 0) this.scheduler.mark(this);
    this.pending.push(frame);
    this.pendingBytes += frame.length;
  }

  flush(): void {
    if (this.pendingBytes === 0 || this.overflowed) return;
    // Slow is judged on what earlier turns left unsent, never on this turn's own burst.
    if (this.sink.writableLength > this.limitBytes) {
      this.overflow();
      return;
    }
    const chunk =
      this.pending.length === 1
        ? (this.pending[0] as Buffer)
        : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.sink.write(chunk);
  }

  private overflow(): void {
    const queued = this.queuedBytes;
    this.overflowed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.onOverflow(queued);
  }
}
