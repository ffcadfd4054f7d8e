/**
 * Backpressure: a member that stops reading is cut off once its output queue passes the
 * bound, and the members that do read keep receiving everything, in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';

test('a non-reading member is disconnected at its queue bound; others miss nothing', async () => {
  const srv = await startServer({
    limits: {
      sendQueueBytes: 1024 * 1024,
      maxMessageBytes: 64 * 1024,
      maxRequestBytes: 128 * 1024,
      rateLimitPerSecond: 0,
    },
  });
  const clients = await Promise.all([1, 2, 3].map(() => WireClient.connect(srv.port)));
  const [talker, listener, stalled] = clients;
  if (!talker || !listener || !stalled) throw new Error('clients');
  try {
    const j = await joinRoom(talker, 'busy', 'talker');
    await joinRoom(listener, 'busy', 'listener');
    await talker.expect(frame.joinedNotice(j.roomRef, 'listener'));
    await joinRoom(stalled, 'busy', 'stalled');
    for (const c of [talker, listener]) await c.expect(frame.joinedNotice(j.roomRef, 'stalled'));
    stalled.socket.pause(); // reads nothing from here on: kernel buffers fill, then the queue

    // 24 MB through the room, far past any loopback socket buffer, in batches the readers
    // keep up with: they never fall more than a batch (300 KB) behind, the stalled one does.
    const payload = 'x'.repeat(30_000);
    const batches = 80;
    const perBatch = 10;
    const readers: WireClient[] = [talker, listener];
    const next = new Map<WireClient, number>();
    let sawLeave = 0;
    for (let b = 0; b < batches; b++) {
      for (let i = b * perBatch; i < (b + 1) * perBatch; i++) {
        talker.send(request.chat(j.roomRef, j.joinId, 'talker', `${i} ${payload}`));
      }
      for (const c of readers) {
        while ((next.get(c) ?? 0) < (b + 1) * perBatch) {
          const r: TcdReply = await c.nextReply(5000);
          if (r.type !== 'chat') assert.fail(`expected a chat, got ${r.raw.slice(0, 80)}`);
          if (r.clientName === 'stalled') {
            assert.equal(r.message, 'stalled has left this chatroom.');
            sawLeave++;
            continue;
          }
          const n = next.get(c) ?? 0;
          assert.ok(r.message === `${n} ${payload}`, `chat ${n} intact and in order`);
          next.set(c, n + 1);
        }
      }
    }
    for (const c of readers) {
      if (sawLeave < 2) {
        const r = await c.nextReply(2000).catch(() => undefined);
        if (r?.type === 'chat' && r.clientName === 'stalled') sawLeave++;
      }
    }
    assert.equal(sawLeave, 2, "both readers got the stalled member's leave notice");
    assert.equal(srv.server.connectionCount, 2, 'the stalled connection was closed by the server');
    assert.equal(srv.server.drops['slow-reader'], 1, 'counted as a slow reader');
  } finally {
    for (const c of clients) c.close();
    await srv.close();
  }
});
