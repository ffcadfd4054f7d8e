/**
 * Flood control (PROTOCOL.md Part 3, docs/operations.md): a connection that sends faster than
 * --rate-limit is slowed down, never refused. Past its burst the server stops reading it until
 * its bucket refills, so TCP slows the sender; every request it sent is served, in order, and
 * it stays connected. Both protocols, over real sockets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultLimits } from '../../src/server/options.js';
import { TcdReplyParser } from '../../src/protocol/tcd-reply.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { registerUser, startDirectServer, withBody } from '../helpers/direct-server.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { connectAll, joinRoom, pick } from '../helpers/session.js';
import { waitUntil } from '../helpers/wait.js';
import { WireClient } from '../helpers/wire-client.js';

/** Counts the CHAT frames of one room a socket receives, checking they are `m0`, `m1`, ... */
function chatCounter(c: WireClient, roomRef: number, from: string) {
  const parser = new TcdReplyParser();
  const state = { inOrder: 0, wrong: [] as string[], other: [] as string[] };
  c.socket.on('data', (chunk: Buffer) => {
    for (const r of parser.push(chunk)) {
      if (r.type === 'chat' && r.roomRef === String(roomRef) && r.clientName === from) {
        if (r.message === `m${state.inOrder}`) state.inOrder++;
        else if (!r.message.endsWith('this chatroom.')) state.wrong.push(r.message);
      } else if (r.type !== 'chat') state.other.push(r.raw);
    }
  });
  return state;
}

describe('flood control slows a sender down and loses nothing', () => {
  test('a bot piping 20 000 CHATs, 64 per write, at the default settings: all delivered in order, no error, still connected', async () => {
    const srv = await startServer(); // default rate limit and burst
    const [bot, reader1, reader2] = pick(await connectAll(srv.port, 3), 3);
    if (!bot || !reader1 || !reader2) throw new Error('clients');
    try {
      const j = await joinRoom(bot, 'log', 'bot');
      await joinRoom(reader1, 'log', 'r1');
      await joinRoom(reader2, 'log', 'r2');
      await bot.expect(frame.joinedNotice(j.roomRef, 'r1'));
      await bot.expect(frame.joinedNotice(j.roomRef, 'r2'));
      await reader1.expect(frame.joinedNotice(j.roomRef, 'r2'));
      const counts = [bot, reader1, reader2].map((c) => chatCounter(c, j.roomRef, 'bot'));
      const total = 20_000;
      const started = Date.now();
      for (let i = 0; i < total; i += 64) {
        const batch = Array.from({ length: Math.min(64, total - i) }, (_, k) =>
          request.chat(j.roomRef, j.joinId, 'bot', `m${i + k}`),
        );
        bot.send(batch.join(''));
      }
      await waitUntil(
        () => counts.every((c) => c.inOrder === total || c.wrong.length > 0 || c.other.length > 0),
        () => `every member to receive ${total} chats: ${counts.map((c) => c.inOrder).join(', ')}`,
        { timeoutMs: 30_000, everyMs: 20 },
      );
      const seconds = (Date.now() - started) / 1000;
      console.log(
        `bulk sender: ${total} CHATs to 3 members in ${seconds.toFixed(2)} s at ` +
          `--rate-limit ${defaultLimits.rateLimitPerSecond} --rate-burst ${defaultLimits.rateBurst}`,
      );
      for (const c of counts) {
        assert.deepEqual(c.wrong, [], 'no chat missing or out of order');
        assert.deepEqual(c.other, [], 'no error or other frame');
        assert.equal(c.inOrder, total);
      }
      // Still connected and served: a round trip.
      bot.send(request.helo('still here'));
      const helo = frame.helo('still here', srv.port);
      await waitUntil(
        () => counts[0]?.other.includes(helo) === true || bot.closed,
        'the HELO reply',
      );
      assert.equal(bot.closed, false);
      assert.equal(srv.server.connectionCount, 3);
    } finally {
      for (const c of [bot, reader1, reader2]) c.close();
      await srv.close();
    }
  });

  test('past rate and burst, requests wait: every HELO answered, in order, none refused', async () => {
    const rate = 200;
    const burst = 20;
    const srv = await startServer({ limits: { rateLimitPerSecond: rate, rateBurst: burst } });
    const c = await WireClient.connect(srv.port);
    try {
      const n = 120;
      const started = Date.now();
      c.send(Array.from({ length: n }, (_, i) => request.helo(String(i))).join(''));
      const expected = Array.from({ length: n }, (_, i) => frame.helo(String(i), srv.port)).join(
        '',
      );
      await c.expect(expected, 10_000);
      const elapsedMs = Date.now() - started;
      // The bucket allows `burst` at once and `rate` per second after: the rest had to wait.
      const floorMs = ((n - burst) / rate) * 1000 * 0.8;
      assert.ok(elapsedMs >= floorMs, `throttled: ${elapsedMs} ms for ${n} requests`);
      c.send(request.helo('after'));
      await c.expect(frame.helo('after', srv.port));
    } finally {
      c.close();
      await srv.close();
    }
  });

  test('a throttled connection is not idle: the idle timeout spares it while it waits on us', async () => {
    const srv = await startServer({
      limits: { rateLimitPerSecond: 10, rateBurst: 1, idleTimeoutMs: 200 },
    });
    const c = await WireClient.connect(srv.port);
    try {
      // 8 requests at 10/s take about 700 ms, far past the 200 ms idle timeout.
      c.send(Array.from({ length: 8 }, (_, i) => request.helo(String(i))).join(''));
      for (let i = 0; i < 8; i++) await c.expect(frame.helo(String(i), srv.port));
      // Now it is idle for real.
      await c.expect(frame.error(13, 'Idle timeout: nothing received for 200 ms'), 2000);
      await c.expectClosed();
    } finally {
      c.close();
      await srv.close();
    }
  });

  test('COL334: SENDs past the rate wait and are all forwarded, in order', async () => {
    const srv = await startDirectServer({ limits: { rateLimitPerSecond: 20, rateBurst: 3 } });
    try {
      const [a, b] = [await registerUser(srv.port, 'fast'), await registerUser(srv.port, 'sink')];
      const n = 8;
      a.send.send(
        Buffer.concat(Array.from({ length: n }, (_, i) => withBody('SEND sink', `${i}`))),
      );
      for (let i = 0; i < n; i++) {
        await b.recv.expect(withBody('FORWARD fast', `${i}`), 3000);
        b.recv.send('RECEIVED fast\n\n');
      }
      await a.send.expect('SEND sink\n\n'.repeat(n), 3000);
      a.close();
      b.close();
    } finally {
      await srv.close();
    }
  });

  test('COL334: acknowledgements are answers, never slowed down', async () => {
    // Each connection may send 4 requests at once, then 1 per second; registering takes one.
    const srv = await startDirectServer({ limits: { rateLimitPerSecond: 1, rateBurst: 4 } });
    try {
      const [a, c, b] = [
        await registerUser(srv.port, 'a'),
        await registerUser(srv.port, 'c'),
        await registerUser(srv.port, 'b'),
      ];
      for (const sender of [a, c]) {
        sender.send.send(Buffer.concat([1, 2, 3].map((i) => withBody('SEND b', `${i}`))));
        const forwards = [1, 2, 3].map((i) => withBody(`FORWARD ${sender.name}`, `${i}`));
        await b.recv.expect(Buffer.concat(forwards), 2000);
      }
      // Six acknowledgements at once on a connection with three tokens left: were they
      // requests, the last would wait three seconds.
      b.recv.send('RECEIVED a\n\n'.repeat(3) + 'RECEIVED c\n\n'.repeat(3));
      await a.send.expect('SEND b\n\n'.repeat(3), 1500);
      await c.send.expect('SEND b\n\n'.repeat(3), 1500);
      for (const u of [a, b, c]) u.close();
    } finally {
      await srv.close();
    }
  });
});
