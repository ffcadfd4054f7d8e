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

/** Cuts a byte stream into frames, however it was split. */
export class FrameReader {
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (kind: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
    while (buf.length >= 4) {
      const length = buf.readUInt32BE(0);
      if (buf.length < 4 + length) break;
      const kind = buf.readUInt8(4);
      this.onFrame(kind, buf.subarray(5, 4 + length));
      buf = buf.subarray(4 + length);
    }
    this.held = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
  }
}
