/**
 * Bytes to COL334 frames, for any segmentation: one byte at a time, several messages in one
 * chunk, UTF-8 split mid-character, a body split across chunks (C1). A frame is a header block
 * (lines up to a blank line) and, when the header carries `Content-length: n`, exactly n body
 * bytes after it, which may hold anything, newlines included.
 *
 * Header lines go through the shared LineSplitter, one line at a time so that the framer takes
 * control back at the blank line and reads the body as raw bytes. Never throws on peer input:
 * what cannot be framed is a `broken` frame, after which the framer ignores the connection's
 * input (nothing after it can be trusted to start a message).
 */
import { LineSplitter, type LineSink } from './framer.js';
import type { Col334Limits } from './col334.js';

export type Col334Frame =
  | {
      readonly kind: 'message';
      /** Header lines, without their newlines; the first is the command line. */
      readonly lines: readonly string[];
      /** The body when the header had a Content-length, else undefined. */
      readonly body: Buffer | undefined;
    }
  | {
      /** Content-length over the limit: the body was skipped, not buffered. */
      readonly kind: 'too-large';
      readonly lines: readonly string[];
      readonly length: number;
    }
  | {
      /** Header over the limit, or a Content-length that is not a byte count. */
      readonly kind: 'broken';
      readonly lines: readonly string[];
      readonly reason: string;
    };

type State = 'header' | 'body' | 'skip' | 'failed';

const LF = 0x0a;
const CONTENT_LENGTH = 'content-length';

export class Col334Framer implements LineSink {
  private readonly splitter: LineSplitter;
  private state: State = 'header';
  private lines: string[] = [];
  private headerBytes = 0;
  private remaining = 0;
  private parts: Buffer[] = [];
  private out: Col334Frame[] = [];

  constructor(private readonly limits: Col334Limits) {
    this.splitter = new LineSplitter(limits.maxHeaderBytes);
  }

  /** True once a broken frame was reported: later input is ignored. */
  get failed(): boolean {
    return this.state === 'failed';
  }

  push(chunk: Buffer): Col334Frame[] {
    let pos = 0;
    while (pos < chunk.length && this.state !== 'failed') {
      if (this.state === 'header') {
        // One line at a time: the blank line may be followed by body bytes in the same chunk.
        const nl = chunk.indexOf(LF, pos);
        const end = nl === -1 ? chunk.length : nl + 1;
        this.splitter.push(chunk.subarray(pos, end), this);
        pos = end;
      } else {
        const take = Math.min(this.remaining, chunk.length - pos);
        if (this.state === 'body') {
          // A part that waits for more chunks is copied so it does not pin its read buffer.
          const part = chunk.subarray(pos, pos + take);
          this.parts.push(take === this.remaining ? part : Buffer.from(part));
        }
        this.remaining -= take;
        pos += take;
        if (this.remaining === 0) this.endBody();
      }
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  line(text: string, bytes: number): void {
    if (text === '') {
      if (this.lines.length > 0) this.endHeader(); // blank lines between messages are skipped
      return;
    }
    this.headerBytes += bytes + 1;
    if (this.headerBytes > this.limits.maxHeaderBytes) {
      this.fail(`header over ${this.limits.maxHeaderBytes} bytes`);
      return;
    }
    this.lines.push(text);
  }

  oversize(): void {
    this.fail(`header over ${this.limits.maxHeaderBytes} bytes`);
  }

  private endHeader(): void {
    const length = contentLength(this.lines);
    if (length === undefined) {
      this.emit({ kind: 'message', lines: this.lines, body: undefined });
    } else if (typeof length === 'string') {
      this.fail(length);
    } else if (length > this.limits.maxBodyBytes) {
      this.out.push({ kind: 'too-large', lines: this.lines, length });
      this.startBody('skip', length);
    } else {
      this.startBody('body', length);
    }
  }

  private startBody(state: 'body' | 'skip', length: number): void {
    this.state = state;
    this.remaining = length;
    if (length === 0) this.endBody();
  }

  private endBody(): void {
    if (this.state === 'body') {
      // concat always copies: the body does not pin the read buffer its last part came in.
      this.emit({ kind: 'message', lines: this.lines, body: Buffer.concat(this.parts) });
    } else {
      this.reset();
    }
  }

  private emit(frame: Col334Frame): void {
    this.out.push(frame);
    this.reset();
  }

  private reset(): void {
    this.state = 'header';
    this.lines = [];
    this.headerBytes = 0;
    this.parts = [];
    this.remaining = 0;
  }

  private fail(reason: string): void {
    this.out.push({ kind: 'broken', lines: this.lines, reason });
    this.reset();
    this.state = 'failed';
  }
}

/**
 * The header's Content-length: undefined when absent, a number, or why it is unusable. The key
 * is matched case-insensitively with any space after the colon (like the chat-room side's T11).
 */
function contentLength(lines: readonly string[]): number | string | undefined {
  let found: number | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon === -1 || line.slice(0, colon).trim().toLowerCase() !== CONTENT_LENGTH) continue;
    const value = line.slice(colon + 1).trim();
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) return `bad Content-length '${value}'`;
    if (found !== undefined && found !== n) return 'conflicting Content-length';
    found = n;
  }
  return found;
}
