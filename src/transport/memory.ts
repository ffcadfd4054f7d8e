/**
 * An in-process connection pair for tests: what one end writes the other reads, with the
 * same end/close behaviour a socket has, and no network.
 */
import { Duplex } from 'node:stream';

class MemoryEnd extends Duplex {
  peer: MemoryEnd | undefined;
  /** Bytes written to this end, as a socket counts them (the acceptor reads it). */
  bytesWritten = 0;

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.bytesWritten += chunk.length;
    this.peer?.push(chunk);
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.peer?.push(null);
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    if (peer !== undefined && !peer.destroyed) {
      peer.push(null);
      peer.destroy();
    }
    done(err);
  }
}

/** Two connected ends: give one to the server, drive the other as the client. */
export function memoryPair(): [Duplex, Duplex] {
  // The server's end is half-open, as TCP sockets are (src/transport/tcp.ts).
  const a = new MemoryEnd({ allowHalfOpen: true });
  const b = new MemoryEnd({ allowHalfOpen: false });
  a.peer = b;
  b.peer = a;
  return [a, b];
}
