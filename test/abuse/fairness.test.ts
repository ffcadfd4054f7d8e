/**
 * Fairness under a flood (DESIGN.md section 6): one connection writes CHATs as fast as TCP
 * lets it into a busy room, at the default settings, while chatters in the same room talk at
 * a human pace. The flooder is slowed down, not refused; the chatters lose nothing, see one
 * order, and their own chats come back within a bounded time however much the flooder sends.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { EventClient } from '../helpers/event-log.js';
import { startServer } from '../helpers/server.js';
import { startChatters } from './chatters.js';

const FLOOD_MS = 3000;
const READERS = 30;
/** Generous: a chatter's chat normally comes back in milliseconds. */
const ECHO_BOUND_MS = 2000;

test(
  `a flooder at full speed into a room of ${READERS + 5}: chatters' chats still arrive within ${ECHO_BOUND_MS} ms`,
  { timeout: 60_000 },
  async () => {
    const srv = await startServer(); // the default rate limit and burst
    const chatters = await startChatters(srv.port, { room: 'busy', intervalMs: 20 });
    const readers: EventClient[] = [];
    const flooder = await EventClient.connect(srv.port);
    const flooderErrors: string[] = [];
    let flooderEchoes = 0;
    try {
      // Members who only read, as fast as they can, and look at nothing: the busy room.
      for (let i = 0; i < READERS; i++) {
        const r = await EventClient.connect(srv.port);
        readers.push(r);
        await r.request(
          request.join('busy', `reader${i}`),
          (x) => x.type === 'joined',
          5000,
          'JOIN',
        );
        r.socket.removeAllListeners('data');
        r.socket.on('data', () => {});
      }
      const joined = await flooder.request(
        request.join('busy', 'flooder'),
        (x) => x.type === 'joined',
        5000,
        'flooder JOIN',
      );
      if (joined.type !== 'joined') throw new Error('unreachable');
      flooder.onReply = (r) => {
        if (r.type === 'error') flooderErrors.push(r.raw);
        else if (r.type === 'chat' && r.clientName === 'flooder') flooderEchoes++;
      };
      await chatters.flowing();

      // Write as fast as the socket takes it: a new batch whenever the last one was taken.
      const batch = Array.from({ length: 64 }, (_, i) =>
        request.chat(joined.roomRef, joined.joinId, 'flooder', `flood ${i}`),
      ).join('');
      let sent = 0;
      const until = Date.now() + FLOOD_MS;
      while (Date.now() < until && !flooder.closed) {
        sent += 64;
        if (!flooder.socket.write(batch)) {
          await new Promise((resolve) => flooder.socket.once('drain', resolve));
        }
      }
      const report = await chatters.stop(30_000);
      console.log(
        `fairness: flooder wrote ${sent} CHATs in ${FLOOD_MS} ms (${flooderEchoes} echoed so far); ` +
          `chatters' echo p99 ${report.p99EchoMs} ms, max ${report.maxEchoMs} ms, ` +
          `${report.delivered} chats checked; intake paused ${srv.server.intake.closures} times`,
      );
      assert.ok(
        report.maxEchoMs < ECHO_BOUND_MS,
        `a chatter waited ${report.maxEchoMs} ms for its own chat`,
      );
      assert.deepEqual(flooderErrors, [], 'the flooder is slowed down, never refused');
      assert.equal(flooder.closed, false, 'the flooder stays connected');
      assert.equal(srv.server.drops['slow-reader'], 0, 'no reader cut off');
    } finally {
      chatters.close();
      flooder.destroy();
      for (const r of readers) r.destroy();
      await srv.close();
    }
  },
);
