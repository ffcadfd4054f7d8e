/**
 * The wire between the worker processes of one machine and their hub (`--workers N` without
 * Redis): one Unix-domain stream per worker, ordered and reliable, carrying frames of
 * `<u32 length><u8 kind><payload>`. Requests and replies are JSON; room events use the same
 * text encoding as the Redis scripts (event-codec.ts), several per frame. Framing never throws
 * on what it reads: a frame it cannot parse ends the stream (hub and workers are one program,
 * so that is a bug, not a peer's input).
 */

export const FrameKind = {
  /** worker -> hub: `{ id, op, args }`. */
  request: 1,
  /** hub -> worker: `{ id, ok, value }` or `{ id, ok: false, error }`. */
  reply: 2,
  /** hub -> worker: `<u32 ref>` then encoded events of that room. */
  events: 3,
  /** hub -> worker: `<u32 ref>`: the room's log no longer has the events a watch asked for. */
  lost: 4,
} as const;

export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface HubRequest {
  readonly id: number;
  readonly op: string;
  readonly args: readonly unknown[];
}

export interface HubReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

export function frame(kind: FrameKind, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length);
  out.writeUInt32BE(payload.length + 1, 0);
  out.writeUInt8(kind, 4);
  payload.copy(out, 5);
  return out;
}

export function jsonFrame(kind: FrameKind, value: unknown): Buffer {
  return frame(kind, Buffer.from(JSON.stringify(value)));
}

export function eventsFrame(ref: number, events: Buffer): Buffer {
  const out = Buffer.allocUnsafe(9 + events.length);
  out.writeUInt32BE(events.length + 5, 0);
  out.writeUInt8(FrameKind.events, 4);
  out.writeUInt32BE(ref, 5);
  events.copy(out, 9);
  return out;
}

/** The largest frame either side sends or takes (a turn's events for one room are one frame). */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

/**
 * Cuts a byte stream into frames, however it was split. The chunks of an unfinished frame are
 * held as they came and joined once it is whole, so a large frame costs its size, not its
 * size squared. `push` returns false, and takes nothing more, once a frame's length is
 * impossible (under 1 byte, or over MAX_FRAME_BYTES): the stream is broken.
 */
export class FrameReader {
  /** The chunks of what is not yet a whole frame, as they came. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes the frame at the start of `held` takes, header included, once known. */
  private need = 0;
  private broken = false;

  constructor(private readonly onFrame: (kind: number, payload: Buffer) => void) {}

  push(chunk: Buffer): boolean {
    if (this.broken) return false;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.need === 0 && this.heldBytes < 5) return true;
    if (this.need !== 0 && this.heldBytes < this.need) return true; // still not whole
    // At least one frame header or whole frame is here: take every whole frame there is.
    const buf = this.joined();
    let at = 0;
    for (;;) {
      if (buf.length - at < 5) break;
      const length = buf.readUInt32BE(at);
      if (length < 1 || length > MAX_FRAME_BYTES) return this.break();
      const end = at + 4 + length;
      if (buf.length < end) {
        this.need = end - at;
        break;
      }
      this.onFrame(buf.readUInt8(at + 4), buf.subarray(at + 5, end));
      at = end;
      this.need = 0;
    }
    // The rest is copied once: holding a view would keep the whole chunk alive.
    const rest = at === 0 ? buf : at < buf.length ? Buffer.from(buf.subarray(at)) : undefined;
    this.held = rest === undefined ? [] : [rest];
    this.heldBytes = rest?.length ?? 0;
    if (rest === undefined) this.need = 0;
    return true;
  }

  /** The held chunks as one buffer (joined once, and kept joined). */
  private joined(): Buffer {
    if (this.held.length !== 1) this.held = [Buffer.concat(this.held, this.heldBytes)];
    return this.held[0] as Buffer;
  }

  private break(): false {
    this.broken = true;
    this.held = [];
    this.heldBytes = 0;
    return false;
  }
}
