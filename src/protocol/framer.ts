/**
 * Bytes to lines, for any segmentation of the input (T11): one byte at a time, many lines in
 * one chunk, UTF-8 split mid-character. A line is decoded only once it is complete, so a
 * character split across chunks is decoded whole. Bytes of an unfinished line are held as
 * the chunks they arrived in (no per-byte string building) and never beyond `maxLineBytes`:
 * past that the line is reported oversize once and skipped up to its newline, so a peer
 * cannot make the server buffer unbounded input.
 */
export interface LineSink {
  /** A complete line, without its `\n` or a trailing `\r`. */
  line(text: string, bytes: number): void;
  /** The current line passed `maxLineBytes`; its remaining bytes up to `\n` are skipped. */
  oversize(): void;
}

const LF = 0x0a;
/** Never written to: `keep` replaces it with an array of its own. */
const NO_PARTS: Buffer[] = [];
const CR = 0x0d;

export class LineSplitter {
  /** The unfinished line's chunks; the shared empty array when none is held. */
  private parts: Buffer[] = NO_PARTS;
  private partBytes = 0;
  private discarding = false;

  constructor(private readonly maxLineBytes: number) {}

  /** Bytes of an unfinished line currently held. */
  get bufferedBytes(): number {
    return this.partBytes;
  }

  /** True when an unfinished line (not being skipped) is held. */
  get hasPartial(): boolean {
    return this.partBytes > 0 && !this.discarding;
  }

  push(chunk: Buffer, sink: LineSink): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) {
        this.hold(chunk, start, sink);
        return;
      }
      if (this.discarding) {
        this.discarding = false;
      } else if (this.partBytes + (nl - start) > this.maxLineBytes) {
        this.dropPartial();
        sink.oversize();
      } else {
        this.emit(chunk, start, nl, sink);
      }
      start = nl + 1;
    }
  }

  /** The first byte of the unfinished line, or -1 when none is held. */
  get partialFirstByte(): number {
    return this.hasPartial ? (this.parts[0]?.[0] ?? -1) : -1;
  }

  /** The unfinished line decoded, without taking it; undefined when none is held. */
  peekPartial(): string | undefined {
    if (!this.hasPartial) return undefined;
    const whole = Buffer.concat(this.parts, this.partBytes);
    return decodeLine(whole, 0, whole.length);
  }

  /** Hands over the unfinished line as if its newline had arrived (quiet peer, end of input). */
  takePartial(sink: LineSink): void {
    if (!this.hasPartial) return;
    const whole = Buffer.concat(this.parts, this.partBytes);
    this.dropPartial();
    sink.line(decodeLine(whole, 0, whole.length), whole.length);
  }

  private hold(chunk: Buffer, start: number, sink: LineSink): void {
    if (this.discarding) return;
    const rest = chunk.length - start;
    if (this.partBytes + rest > this.maxLineBytes) {
      this.dropPartial();
      this.discarding = true;
      sink.oversize();
      return;
    }
    // A subarray would pin the whole (usually 64 KiB) read buffer for a few held bytes.
    this.keep(Buffer.from(chunk.subarray(start)));
    this.partBytes += rest;
  }

  private emit(chunk: Buffer, start: number, end: number, sink: LineSink): void {
    if (this.partBytes === 0) {
      sink.line(decodeLine(chunk, start, end), end - start);
      return;
    }
    this.keep(chunk.subarray(start, end));
    const whole = Buffer.concat(this.parts, this.partBytes + (end - start));
    this.dropPartial();
    sink.line(decodeLine(whole, 0, whole.length), whole.length);
  }

  private keep(part: Buffer): void {
    if (this.parts === NO_PARTS) this.parts = [part];
    else this.parts.push(part);
  }

  private dropPartial(): void {
    this.parts = NO_PARTS;
    this.partBytes = 0;
  }
}

/** Decodes bytes [start, end) as UTF-8, leaving out one trailing CR (CRLF input, T11). */
function decodeLine(buf: Buffer, start: number, end: number): string {
  const stop = end > start && buf[end - 1] === CR ? end - 1 : end;
  return buf.toString('utf8', start, stop);
}
