/**
 * Abuse: 1 MB of random bytes from each of several connections, on the port that serves both
 * protocols, while others chat and two direct-message users are registered. Chat-room junk
 * gets only documented error codes (T12) and its connection stays usable; direct-message junk
 * (after a REGISTER) gets COL334 errors or is closed; nobody else notices: the chatters see no
 * error and no gap, and a direct message still goes through.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { errorDescriptions } from '../../src/protocol/errors.js';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { EventClient } from '../helpers/event-log.js';
import { registerUser, startDirectServer, withBody } from '../helpers/direct-server.js';
import { WireClient } from '../helpers/wire-client.js';
import { startChatters } from './chatters.js';

const JUNK_BYTES = 1_000_000;
const CHAT_JUNKERS = 4;
const DM_JUNKERS = 2;
const CHUNK = 64 * 1024;

/** Writes `bytes` in chunks, waiting for the socket to drain; stops if it closes. */
async function writeAll(socket: Socket, bytes: Buffer): Promise<void> {
  for (let i = 0; i < bytes.length && !socket.destroyed; i += CHUNK) {
    if (!socket.write(bytes.subarray(i, i + CHUNK))) {
      await Promise.race([once(socket, 'drain'), once(socket, 'close')]);
    }
  }
}

test(
  `1 MB of random bytes from ${CHAT_JUNKERS + DM_JUNKERS} connections while others chat`,
  { timeout: 20_000 },
  async () => {
    const srv = await startDirectServer();
    const chatters = await startChatters(srv.port);
    const [ann, ben] = [await registerUser(srv.port, 'ann'), await registerUser(srv.port, 'ben')];
    const junkers: EventClient[] = [];
    const dmJunkers: WireClient[] = [];
    try {
      await chatters.flowing();
      const replies: TcdReply[][] = [];
      for (let i = 0; i < CHAT_JUNKERS; i++) {
        const c = await EventClient.connect(srv.port);
        const got: TcdReply[] = [];
        c.onReply = (r) => got.push(r);
        junkers.push(c);
        replies.push(got);
      }
      for (let i = 0; i < DM_JUNKERS; i++) {
        const d = await WireClient.connect(srv.port);
        d.send(`REGISTER TOSEND junk${i}\n\n`);
        await d.expect(`REGISTERED TOSEND junk${i}\n\n`);
        dmJunkers.push(d);
      }

      // A first byte of 'R' would be read as the start of REGISTER: chat-room junk avoids it.
      const junk = (): Buffer => {
        const b = randomBytes(JUNK_BYTES);
        if (b[0] === 0x52) b[0] = 0x00;
        return b;
      };
      await Promise.all([
        ...junkers.map((c) => writeAll(c.socket, junk())),
        // The server may close a COL334 connection on junk (ERROR 103): writing then stops.
        ...dmJunkers.map((d) => writeAll(d.socket, randomBytes(JUNK_BYTES)).catch(() => {})),
      ]);

      // Chat-room junk connections are still served once the junk ends (T12: stays open).
      await Promise.all(
        junkers.map((c, i) =>
          c.request('\n\nHELO alive\n', (r) => r.type === 'helo', 5000, `junker ${i} HELO`),
        ),
      );
      const codes = new Set<number>();
      replies.forEach((got, i) => {
        for (const r of got) {
          if (r.type === 'helo') continue;
          assert.equal(r.type, 'error', `junker ${i} got ${JSON.stringify(r.raw.slice(0, 80))}`);
          if (r.type === 'error') {
            assert.ok(r.code in errorDescriptions, `undocumented error code ${r.code}`);
            codes.add(r.code);
          }
        }
      });
      assert.ok(codes.size > 0, 'junk got error replies');
      for (const c of junkers) assert.equal(c.closed, false);

      // The direct-message side still delivers.
      ann.send.send(withBody('SEND ben', 'still here'));
      await ben.recv.expect(withBody('FORWARD ann', 'still here'), 5000);
      ben.recv.send('RECEIVED ann\n\n');
      await ann.send.expect('SEND ben\n\n', 5000);

      const report = await chatters.stop();
      console.log(
        `binary junk: ${CHAT_JUNKERS + DM_JUNKERS} MB of junk, error codes ${[...codes].join(',')}, ` +
          `COL334 junkers closed: ${dmJunkers.filter((d) => d.closed).length}/${DM_JUNKERS}; ` +
          `chatters ${JSON.stringify(report)}`,
      );
      assert.ok(report.delivered > 0);
    } finally {
      for (const c of junkers) c.destroy();
      for (const d of dmJunkers) d.close();
      ann.close();
      ben.close();
      chatters.close();
      await srv.close();
    }
  },
);
