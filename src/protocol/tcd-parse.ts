/**
 * The chat-room protocol's request parser: bytes in, requests or typed errors out (T11, T12).
 * It never throws on peer input and holds at most one request's worth of bytes.
 *
 * Framing decisions where the handout is silent (docs/protocol.md, "Parsing"):
 * - A request begins with a line whose key names it; the other keys may come in any order.
 * - JOIN, LEAVE and DISCONNECT end when their last field arrives; cut short by a blank line or
 *   the next request, they are accepted if their essential fields are in. A quiet connection
 *   only completes a last line that lacks its `\n`: a request whose lines all ended is never
 *   cut by a pause, so a person typing it line by line is not interrupted (T11).
 * - CHAT ends at the first blank line; MESSAGE takes every line up to it, except a line
 *   carrying a header (JOIN_ID, CLIENT_NAME) that has not arrived yet.
 * - An unknown request gets one error 1 and is skipped up to a blank line or the next request.
 */
import { LineSplitter, type LineSink } from './framer.js';
import { ErrorCode, protocolError, type ProtocolError } from './errors.js';
import {
  blockGrammar,
  buildRequest,
  isBlockCommand,
  splitField,
  type BlockCommand,
} from './tcd-fields.js';
import type { TcdRequest } from './tcd-request.js';

export type ParseResult = TcdRequest | ProtocolError;

/** Never written to: `emit` replaces it with an array of its own. */
const NONE: ParseResult[] = [];

const H = 0x48; // HELO
const K = 0x4b; // KILL_SERVICE

export function isProtocolError(r: ParseResult): r is ProtocolError {
  return 'code' in r;
}

export interface ParserLimits {
  /** Largest request, all its lines counted with their newlines. */
  readonly maxRequestBytes: number;
  /** Largest MESSAGE of a CHAT, its lines and the newlines between them. */
  readonly maxMessageBytes: number;
}

interface Block {
  readonly command: BlockCommand;
  readonly head: string;
  readonly fields: Map<string, string>;
  bytes: number;
  /** CHAT only: the MESSAGE lines so far, once MESSAGE has begun. */
  message: string[] | undefined;
  messageBytes: number;
}

type Mode = 'idle' | 'block' | 'skip' | 'skip-chat';

export class TcdParser implements LineSink {
  private readonly lines: LineSplitter;
  private mode: Mode = 'idle';
  private block: Block | undefined;
  /** Results not yet drained; the shared empty array until there is one (idle connections stay small). */
  private out: ParseResult[] = NONE;

  constructor(private readonly limits: ParserLimits) {
    this.lines = new LineSplitter(limits.maxRequestBytes);
  }

  /** Bytes held for an unfinished line. */
  get bufferedBytes(): number {
    return this.lines.bufferedBytes;
  }

  /**
   * True when a quiet connection would let `quiet()` finish something (T11): a last line
   * without its `\n`, of a JOIN, LEAVE or DISCONNECT, or a HELO or KILL_SERVICE. Cheap on
   * the hot path: a chunk that ends mid-CHAT, or at the end of a line, needs no quiet timer.
   */
  get waitingOnQuiet(): boolean {
    if (!this.lines.hasPartial) return false;
    if (this.mode === 'block') return this.block?.command !== 'CHAT';
    if (this.mode !== 'idle') return false;
    const first = this.lines.partialFirstByte;
    return first === H || first === K;
  }

  push(chunk: Buffer): ParseResult[] {
    this.lines.push(chunk, this);
    return this.drain();
  }

  /**
   * The connection went quiet: finish a JOIN, LEAVE, DISCONNECT, HELO or KILL_SERVICE whose
   * last line came without its final newline. Lines that all ended are left waiting.
   */
  quiet(): ParseResult[] {
    const partial = this.lines.peekPartial();
    if (partial === undefined) return [];
    if (this.mode === 'block' && this.block !== undefined && this.block.command !== 'CHAT') {
      const field = splitField(partial);
      if (field !== undefined && blockGrammar[this.block.command].fields.includes(field.key)) {
        this.lines.takePartial(this);
        if (this.mode === 'block') this.finishCut(false);
      }
    } else if (this.mode === 'idle' && partial !== undefined && isSingleLineRequest(partial)) {
      this.lines.takePartial(this);
    }
    return this.drain();
  }

  /** The peer finished sending: whatever can still be made a request is. */
  end(): ParseResult[] {
    this.lines.takePartial(this);
    if (this.mode === 'block' && this.block?.command !== 'CHAT') this.finishCut(false);
    this.mode = 'idle';
    this.block = undefined;
    return this.drain();
  }

  line(text: string, bytes: number): void {
    switch (this.mode) {
      case 'idle':
        this.top(text, bytes);
        return;
      case 'block':
        this.blockLine(text, bytes);
        return;
      case 'skip':
        if (text === '') this.mode = 'idle';
        else if (startsRequest(text)) {
          this.mode = 'idle';
          this.top(text, bytes);
        }
        return;
      case 'skip-chat':
        if (text === '') this.mode = 'idle';
        return;
    }
  }

  oversize(): void {
    if (this.mode === 'skip' || this.mode === 'skip-chat') return;
    this.abandon(
      protocolError(ErrorCode.RequestTooLarge, `over ${this.limits.maxRequestBytes} bytes`),
    );
  }

  private top(text: string, bytes: number): void {
    if (text === '') return;
    if (text === 'HELO' || text.startsWith('HELO ')) {
      this.emit({ type: 'helo', text: text.slice(5) }); // T9: all of the line after "HELO "
      return;
    }
    if (text.trimEnd() === 'KILL_SERVICE') {
      this.emit({ type: 'kill' });
      return;
    }
    const field = splitField(text);
    if (field !== undefined && isBlockCommand(field.key)) {
      this.mode = 'block';
      this.block = {
        command: field.key,
        head: field.value,
        fields: new Map(),
        bytes: bytes + 1,
        message: undefined,
        messageBytes: 0,
      };
      return;
    }
    this.emit(protocolError(ErrorCode.InvalidFormat, `unknown request '${preview(text)}'`));
    this.mode = 'skip';
  }

  private blockLine(text: string, bytes: number): void {
    const block = this.block;
    if (block === undefined) return;
    // The blank line that ends a request is not part of it: it may not push it over the
    // limit (the skip would then run past the request's end and swallow the next one).
    const ending = text === '' && (block.message === undefined || block.message.length > 0);
    if (!ending) {
      block.bytes += bytes + 1;
      if (block.bytes > this.limits.maxRequestBytes) {
        this.oversize();
        return;
      }
    }
    if (block.message !== undefined) {
      this.messageLine(block, text, bytes);
      return;
    }
    if (text === '') {
      this.finishCut(true);
      return;
    }
    if (startsRequest(text)) {
      this.finishCut(true);
      this.top(text, bytes);
      return;
    }
    const field = splitField(text);
    if (field === undefined) {
      this.abandon(
        protocolError(ErrorCode.InvalidFormat, `'${preview(text)}' is not a KEY: value line`),
      );
      return;
    }
    const grammar = blockGrammar[block.command];
    if (!grammar.fields.includes(field.key)) return; // unknown keys are ignored, like HTTP headers
    if (field.key === 'MESSAGE' && block.command === 'CHAT') {
      block.message = [];
      this.messageLine(block, field.value, bytes - (text.length - field.value.length));
      return;
    }
    block.fields.set(field.key, field.value);
    if (block.command !== 'CHAT' && grammar.fields.every((k) => block.fields.has(k))) {
      this.finish(block);
    }
  }

  private messageLine(block: Block, text: string, bytes: number): void {
    const message = block.message ?? [];
    if (text === '' && message.length > 0) {
      block.fields.set('MESSAGE', message.join('\n'));
      this.finish(block);
      return;
    }
    const field = message.length > 0 ? splitField(text) : undefined;
    if (field !== undefined && isLateChatHeader(field.key) && !block.fields.has(field.key)) {
      block.fields.set(field.key, field.value);
      return;
    }
    block.messageBytes += bytes + (message.length > 0 ? 1 : 0);
    if (block.messageBytes > this.limits.maxMessageBytes) {
      this.abandon(
        protocolError(ErrorCode.MessageTooLarge, `over ${this.limits.maxMessageBytes} bytes`),
      );
      return;
    }
    message.push(text);
  }

  /** A block ended early (blank line, next request, quiet, end): accept it or say why not. */
  private finishCut(reportMissing: boolean): void {
    const block = this.block;
    if (block === undefined) return;
    const complete = blockGrammar[block.command].essential.every((k) => block.fields.has(k));
    if (!complete && !reportMissing) return; // quiet or ending: wait for more, or drop
    this.finish(block);
  }

  private finish(block: Block): void {
    this.mode = 'idle';
    this.block = undefined;
    this.emit(buildRequest(block.command, block.head, block.fields));
  }

  /** Drops the current request with an error and skips the rest of it. */
  private abandon(error: ProtocolError): void {
    const inChat = this.mode === 'block' && this.block?.command === 'CHAT';
    this.block = undefined;
    this.mode = inChat ? 'skip-chat' : 'skip';
    this.emit(error);
  }

  private emit(result: ParseResult): void {
    if (this.out === NONE) this.out = [result];
    else this.out.push(result);
  }

  private drain(): ParseResult[] {
    const out = this.out;
    this.out = NONE;
    return out;
  }
}

function isSingleLineRequest(text: string): boolean {
  return text === 'HELO' || text.startsWith('HELO ') || text.trimEnd() === 'KILL_SERVICE';
}

function startsRequest(text: string): boolean {
  if (isSingleLineRequest(text)) return true;
  const field = splitField(text);
  return field !== undefined && isBlockCommand(field.key);
}

function isLateChatHeader(key: string): boolean {
  return key === 'JOIN_ID' || key === 'CLIENT_NAME';
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
