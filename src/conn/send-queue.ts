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
 *
 * Every queued byte and every write the socket could not take is reported to the scheduler's
 * IntakeGate, which slows intake when output backs up across the board. One connection may be
 * queued a quarter of its bound in one turn before intake waits for the next: so a reader
 * that keeps up never holds much more than its bound, however large the burst.
 */
import { IntakeGate } from './intake-gate.js';

/** Never written to: `push` replaces it with an array of its own. */
const NO_FRAMES: Buffer[] = [];

export interface ByteSink {
  /** False when the sink holds more than it wants: it emits 'drain' once it has written it all. */
  write(chunk: Buffer): boolean;
  readonly writableLength: number;
  once(event: 'drain', listener: () => void): unknown;
}

/**
 * Flushes every queue that received bytes during this turn, once, in the check phase.
 *
 * The turn's queues are kept in two arrays that swap and are reused, never in a Set cleared
 * per turn: V8 gives a cleared or grown Set a new hash table in the generation of the old one,
 * so once a turn's table had been promoted, every later turn's tables went straight to the
 * old generation, and its mark-compacts showed in the latency tail (bench/README.md,
 * "rate495k's tail").
 */
export class FlushScheduler {
  private dirty: (SendQueue | undefined)[] = [];
  private dirtyCount = 0;
  private spare: (SendQueue | undefined)[] = [];
  private scheduled = false;

  constructor(readonly gate: IntakeGate = new IntakeGate()) {}

  /**
   * Called when `queue` gets its first frame of a turn. A queue listed twice is harmless: its
   * second flush finds nothing pending.
   */
  mark(queue: SendQueue): void {
    this.dirty[this.dirtyCount++] = queue;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
    // A queue marked while these flush (a release, an overflow's leave notices) goes into the
    // other array, for the next run, never dropped with this turn's.
    const dirty = this.dirty;
    const count = this.dirtyCount;
    this.dirty = this.spare;
    this.dirtyCount = 0;
    this.spare = dirty;
    for (let i = 0; i < count; i++) {
      const queue = dirty[i] as SendQueue;
      dirty[i] = undefined; // a closed connection's queue is not kept alive by this array
      queue.flush();
    }
    this.gate.turnEnded();
  };
}

/** Who is told when a queue passes its bound. */
export interface QueueOwner {
  /** Called once when the bound is passed; the queue drops everything after it. */
  overflowed(queuedBytes: number): void;
}

export class SendQueue {
  /** Frames of this turn; the shared empty array when there are none (idle connections). */
  private pending: Buffer[] = NO_FRAMES;
  private pendingBytes = 0;
  private overflowed = false;
  private awaitingDrain = false;
  /** The gate's window this socket was last written in (for "written to lately"). */
  private window = -1;
  /** When this socket first backed up, and last drained (the gate's cooldown). */
  private backedUpSince = 0;
  private drainedAt = 0;
  private readonly turnShare: number;

  constructor(
    private readonly sink: ByteSink,
    private readonly scheduler: FlushScheduler,
    private readonly limitBytes: number,
    private readonly owner: QueueOwner,
  ) {
    this.turnShare = limitBytes / 4;
  }

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
    if (this.pending === NO_FRAMES) {
      this.scheduler.mark(this);
      this.pending = [frame];
    } else {
      this.pending.push(frame);
    }
    this.pendingBytes += frame.length;
    this.scheduler.gate.queued(frame.length);
    if (this.pendingBytes > this.turnShare) this.scheduler.gate.shareSpent();
  }

  flush(): void {
    if (this.pending === NO_FRAMES || this.overflowed) return;
    // Slow is judged on what earlier turns left unsent, never on this turn's own burst.
    if (this.sink.writableLength > this.limitBytes) {
      this.overflow();
      return;
    }
    const chunk =
      this.pending.length === 1
        ? (this.pending[0] as Buffer)
        : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = NO_FRAMES;
    this.pendingBytes = 0;
    const gate = this.scheduler.gate;
    this.window = gate.wrote(this.window);
    if (!this.sink.write(chunk) && !this.awaitingDrain) {
      this.awaitingDrain = true;
      const now = gate.now();
      // Backing up again soon after draining is the same episode: it keeps its first time.
      if (this.backedUpSince === 0 || now - this.drainedAt > gate.cooldownMs) {
        this.backedUpSince = now;
      }
      gate.backedUpSocket(this, this.backedUpSince);
      // Made only when needed: an idle connection should not carry a closure for this.
      this.sink.once('drain', () => {
        this.awaitingDrain = false;
        this.drainedAt = gate.now();
        gate.drained(this);
      });
    }
  }

  /** The connection closed: whatever it held no longer counts as backed-up output. */
  close(): void {
    this.overflowed = true;
    this.pending = NO_FRAMES;
    this.pendingBytes = 0;
    this.scheduler.gate.drained(this);
  }

  private overflow(): void {
    const queued = this.queuedBytes;
    this.overflowed = true;
    this.pending = NO_FRAMES;
    this.pendingBytes = 0;
    this.scheduler.gate.drained(this);
    this.owner.overflowed(queued);
  }
}
