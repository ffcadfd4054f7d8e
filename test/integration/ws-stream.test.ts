/**
 * WebSocketStream, the WebSocket as the server's byte stream, over a real WebSocket on
 * 127.0.0.1: the net.Socket semantics the send queue and intake backpressure rely on
 * (writableLength is the socket's backlog, write() false past the high-water mark, 'drain'
 * once written, pause() stops reading from the client), and how it ends.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { afterEach, test } from 'node:test';
import { incompleteTail } from '../../src/transport/ws-stream.js';
import { until, wsPair, type WsPair } from '../helpers/ws-pair.js';

/** Bounds every flood below: a transport that never pushes back fails instead of running on. */
const CAP_BYTES = 64 << 20;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

let pair: WsPair | undefined;
afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

test('client messages, text or binary, are one input stream; writes go out as text', async () => {
  pair = await wsPair();
  const { stream, client } = pair;
  const got: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => got.push(chunk));
  client.send('JOIN_CHATROOM: lo'); // part of a request, as text
  client.send(Buffer.from('bby\nCLIENT_IP: 0\n')); // the rest and more, as binary
  await until(() => Buffer.concat(got).length === 34, 'both messages');
  assert.equal(Buffer.concat(got).toString(), 'JOIN_CHATROOM: lobby\nCLIENT_IP: 0\n');

  const message = once(client, 'message') as Promise<[Buffer, boolean]>;
  stream.write(Buffer.from('CHAT: 1\nCLIENT_NAME: é\nMESSAGE: hi\n\n'));
  const [data, isBinary] = await message;
  assert.equal(isBinary, false);
  assert.equal(data.toString(), 'CHAT: 1\nCLIENT_NAME: é\nMESSAGE: hi\n\n');
});

test('a write cut inside a UTF-8 character is held until the rest arrives', async () => {
  pair = await wsPair();
  const { stream, client } = pair;
  const messages: string[] = [];
  client.on('message', (data: Buffer) => messages.push(data.toString()));
  const bytes = Buffer.from('ab€c'); // € is three bytes
  stream.write(bytes.subarray(0, 3)); // 'ab' and the first byte of €
  await until(() => messages.length === 1, 'the whole characters');
  assert.equal(stream.heldBytes, 1, 'the cut byte is held, and counted');
  stream.write(bytes.subarray(3));
  await until(() => messages.length === 2, 'the rest');
  assert.deepEqual(messages, ['ab', '€c']);
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => incompleteTail(Buffer.from('x€').subarray(0, 1 + n))),
    [0, 1, 2, 0],
  );
});

test('writableLength is the socket backlog; write() false past the mark; drain once written', async () => {
  pair = await wsPair();
  const { stream, client } = pair;
  client.pause(); // a reader that stops reading: the kernel buffers fill, then ws's socket
  let received = 0;
  client.on('message', (data: Buffer) => (received += data.length));
  let drained = 0;
  stream.on('drain', () => drained++);
  const chunk = Buffer.alloc(16_384, 'x');
  let written = 0;
  let refused = false;
  // One write per turn, as the send queue writes: write() may refuse only once the socket
  // itself holds bytes it cannot hand to the kernel.
  while (!(refused && stream.ws.bufferedAmount > 0)) {
    assert.ok(written < CAP_BYTES, `no backpressure after ${written} bytes`);
    refused = !stream.write(chunk) || refused;
    written += chunk.length;
    await turn();
  }
  assert.equal(stream.writableLength, stream.ws.bufferedAmount + stream.heldBytes);
  assert.ok(stream.writableLength > stream.writableHighWaterMark);
  assert.ok(stream.writableNeedDrain);
  const drainsBefore = drained;
  const drain = once(stream, 'drain');
  client.resume();
  await drain;
  assert.equal(drained, drainsBefore + 1);
  assert.equal(stream.writableLength, 0, 'drain: nothing held');
  assert.equal(stream.ws.bufferedAmount, 0, 'drain: the socket has written everything');
  await until(() => received === written, `all ${written} bytes at the client`);
});

test('pause() stops reading from the client, resume() restarts it, nothing lost', async () => {
  pair = await wsPair();
  const { stream, client } = pair;
  const got: Buffer[] = [];
  let gotBytes = 0;
  stream.on('data', (chunk: Buffer) => {
    got.push(chunk);
    gotBytes += chunk.length;
  });
  stream.pause();
  assert.ok(stream.readingStopped);
  let sent = 0;
  let n = 0;
  // Until the client's own socket holds bytes: TCP has carried the pause back to it.
  while (client.bufferedAmount === 0) {
    assert.ok(sent < CAP_BYTES, `the client could still send after ${sent} bytes`);
    const message = Buffer.alloc(65_536, n++ % 256);
    client.send(message);
    sent += message.length;
    await turn();
  }
  assert.equal(gotBytes, 0, 'nothing delivered while paused');
  assert.ok(stream.readableLength < sent, 'the server stopped reading, it did not buffer all');
  stream.resume();
  await until(() => gotBytes === sent, `all ${sent} bytes after resume`, 20_000);
  const all = Buffer.concat(got);
  for (let i = 0; i < n; i++) assert.equal(all[i * 65_536], i % 256, `message ${i} in order`);
  assert.ok(!stream.readingStopped);
});

test('a close from the client ends the input, then closes the stream', async () => {
  pair = await wsPair();
  const { stream, client } = pair;
  const events: string[] = [];
  stream.on('data', () => events.push('data'));
  stream.on('end', () => events.push('end'));
  const closed = once(stream, 'close');
  client.send('DISCONNECT: 0\n');
  client.close(1000);
  await closed;
  assert.deepEqual(events, ['data', 'end']);
});

test('end() sends what is written, then a normal close; destroy() cuts at once', async () => {
  pair = await wsPair();
  const { stream, client } = pair;
  const messages: string[] = [];
  client.on('message', (data: Buffer) => messages.push(data.toString()));
  stream.end(Buffer.from('ERROR_CODE: 14\nERROR_DESCRIPTION: Server shutting down\n'));
  const [code] = (await once(client, 'close')) as [number];
  assert.equal(code, 1000);
  assert.deepEqual(messages, ['ERROR_CODE: 14\nERROR_DESCRIPTION: Server shutting down\n']);
  await pair.close();

  pair = await wsPair();
  const cut = once(pair.client, 'close') as Promise<[number]>;
  pair.stream.destroy();
  assert.equal((await cut)[0], 1006);
});

test('a message over the size limit: error on the stream, close code 1009 to the client', async () => {
  pair = await wsPair(1024);
  const { stream, client } = pair;
  const failed = once(stream, 'error') as Promise<[Error]>;
  const closed = once(client, 'close') as Promise<[number]>;
  client.send(Buffer.alloc(1025, 'x'));
  assert.match((await failed)[0].message, /max payload size exceeded/i);
  assert.equal((await closed)[0], 1009);
});

test('a text message that is not UTF-8: error on the stream, close code 1007', async () => {
  pair = await wsPair();
  const { stream, client } = pair;
  const failed = once(stream, 'error') as Promise<[Error]>;
  const closed = once(client, 'close') as Promise<[number]>;
  client.send(Buffer.from([0x48, 0xff, 0x0a]), { binary: false });
  assert.match((await failed)[0].message, /invalid utf-8/i);
  assert.equal((await closed)[0], 1007);
});
