/**
 * The listeners every connection's stream shares: each finds its connection on the stream,
 * so that no closure is made per connection (one would cost every idle connection a few
 * hundred bytes).
 */
import type { Duplex } from 'node:stream';

/** What a stream's events are handed to. */
export interface StreamOwner {
  dataArrived(chunk: Buffer): void;
  streamEnded(): void;
  streamFailed(err: Error): void;
  streamClosed(): void;
}

const kOwner = Symbol('roomcast.connection');
type TaggedStream = Duplex & { [kOwner]: StreamOwner };

function onData(this: Duplex, chunk: Buffer): void {
  (this as TaggedStream)[kOwner].dataArrived(chunk);
}
function onEnd(this: Duplex): void {
  (this as TaggedStream)[kOwner].streamEnded();
}
function onError(this: Duplex, err: Error): void {
  (this as TaggedStream)[kOwner].streamFailed(err);
}
function onClose(this: Duplex): void {
  (this as TaggedStream)[kOwner].streamClosed();
}

/** Hands `stream`'s data, end, error and close to `owner`, through the shared listeners. */
export function listenTo(stream: Duplex, owner: StreamOwner): void {
  (stream as TaggedStream)[kOwner] = owner;
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('error', onError);
  stream.on('close', onClose);
}
