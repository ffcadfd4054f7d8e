/**
 * A server-side WebSocket as the byte stream a chat-room connection reads and writes, with
 * net.Socket's semantics measured on the real socket, so the server cannot tell the two apart:
 *
 * - Each client message's payload (text or binary) is appended to the input, whatever it
 *   holds: part of a request, one, or several.
 * - Each write goes out as one text message (the protocol is text); a UTF-8 sequence cut at
 *   the end of a write is held until the next one, since a text message must be whole UTF-8.
 * - `writableLength` is what the WebSocket's socket holds unsent (`ws.bufferedAmount`) plus
 *   what this stream holds and has not handed to it. One message is in flight at a time and
 *   its write completes when the socket has written it, so `write()` returns false past the
 *   high-water mark and `'drain'` comes once everything was written, as on a TCP socket.
 * - `pause()` stops reading from the client at once (`ws.pause()` pauses its socket), and so
 *   does a full read buffer; TCP then carries the pressure back to the browser.
 */
import { Duplex } from 'node:stream';
import WebSocket from 'ws';

export class WebSocketStream extends Duplex {
  /** Payload bytes handed to ws, as a socket's `bytesWritten` (admission and metrics read it). */
  bytesWritten = 0;
  /** Payload bytes of the message handed to ws whose socket write has not completed. */
  private inFlight = 0;
  /** The start of a UTF-8 sequence that the last write cut short. */
  private tail: Buffer | undefined;
  /** pause() was called: reading stays stopped whatever the buffer. */
  private held = false;
  /** push() refused more: reading stays stopped until _read. */
  private full = false;
  private failure: Error | undefined;

  constructor(readonly ws: WebSocket) {
    super({ allowHalfOpen: false });
    ws.on('message', (data: WebSocket.RawData) => {
      const chunk = toBuffer(data);
      if (chunk.length === 0) return;
      if (!this.push(chunk)) {
        this.full = true;
        ws.pause();
      }
    });
    // ws reports protocol violations (a message over the size limit, bad UTF-8 in a text
    // message) here, then closes with the matching close code; socket errors it keeps.
    ws.on('error', (err) => {
      this.failure = err;
    });
    ws.on('close', () => {
      if (this.failure !== undefined) {
        this.destroy(this.failure);
        return;
      }
      // Like a TCP FIN: the end of input, then (allowHalfOpen false) our side ends too.
      // Writes still pending complete as the closed socket fails them.
      this.push(null);
    });
  }

  /** True while reading from the client is stopped (paused, or the read buffer is full). */
  get readingStopped(): boolean {
    return this.held || this.full;
  }

  override pause(): this {
    this.held = true;
    this.ws.pause();
    return super.pause();
  }

  override resume(): this {
    this.held = false;
    super.resume();
    if (!this.full) this.ws.resume();
    return this;
  }

  override _read(): void {
    this.full = false;
    if (!this.held) this.ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void) {
    if (this.ws.readyState !== WebSocket.OPEN) {
      done(); // closing: like bytes written to a socket the peer has reset, they are lost
      return;
    }
    const whole = this.tail === undefined ? chunk : Buffer.concat([this.tail, chunk]);
    const cut = whole.length - incompleteTail(whole);
    this.tail = cut < whole.length ? Buffer.from(whole.subarray(cut)) : undefined;
    if (cut === 0) {
      done();
      return;
    }
    const text = cut < whole.length ? whole.subarray(0, cut) : whole;
    this.inFlight = text.length;
    this.bytesWritten += text.length;
    // The callback runs once ws's socket has written the frame (or failed: the close that
    // follows ends this stream), so completions track the real socket.
    this.ws.send(text, { binary: false }, () => {
      this.inFlight = 0;
      done();
    });
  }

  override _final(done: (err?: Error | null) => void): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    done(err);
  }

  /** Bytes written to this stream and not yet handed to ws: queued writes and a held tail. */
  get heldBytes(): number {
    // Duplex's own count: bytes written to this stream whose write has not completed.
    const written: number = Reflect.get(Duplex.prototype, 'writableLength', this);
    return written - this.inFlight + (this.tail?.length ?? 0);
  }
}

// `writableLength` is a data property in @types/node's Duplex, so it is redefined here.
Object.defineProperty(WebSocketStream.prototype, 'writableLength', {
  get(this: WebSocketStream): number {
    return this.ws.bufferedAmount + this.heldBytes;
  },
});

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** How many bytes at the end of `buf` begin a UTF-8 sequence that is not complete yet. */
export function incompleteTail(buf: Buffer): number {
  const back = Math.min(3, buf.length);
  for (let i = 1; i <= back; i++) {
    const byte = buf[buf.length - i] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > i ? i : 0;
  }
  return 0;
}
