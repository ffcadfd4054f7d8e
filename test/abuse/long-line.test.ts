/**
 * Abuse: a line with no newline, 1 MiB and then on to 256 MiB, while others chat. The sender
 * gets error 6 once (docs/protocol.md: request too large, the rest skipped), its connection
 * stays usable, the server's memory does not grow with the line (Part 3), and the chatters
 * see no error and no gap.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { EventClient } from '../helpers/event-log.js';
import { startServer } from '../helpers/server.js';
import { startChatters } from './chatters.js';

const MiB = 1024 * 1024;
/** How much of the one line is sent: far more than any slack in the process's memory. */
const LINE_MiB = 256;
/** RSS growth allowed: garbage not yet collected, never the line (measured: about 30 MiB). */
const GROWTH_LIMIT_MiB = 96;

test(
  'a 1 MiB line, then 256 MiB, without a newline: one error 6, bounded memory, no harm to others',
  { timeout: 20_000 },
  async () => {
    const srv = await startServer({ limits: { maxRequestBytes: 65_536 } });
    const chatters = await startChatters(srv.port);
    const abuser = await EventClient.connect(srv.port);
    const got: TcdReply[] = [];
    abuser.onReply = (r) => got.push(r);
    try {
      await chatters.flowing();
      const chunk = Buffer.alloc(MiB, 'x');
      const error6 = abuser.waitFor(
        (r) => r.type === 'error' && r.code === ErrorCode.RequestTooLarge,
        5000,
        'error 6',
      );
      abuser.send(chunk);
      await error6;

      // The same line goes on: if the server kept it, its memory would grow by as much.
      const before = process.memoryUsage();
      let peak = before.rss;
      for (let i = 1; i < LINE_MiB; i++) {
        if (!abuser.socket.write(chunk)) await once(abuser.socket, 'drain');
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      // The line ends; the connection is in step again and is served (T12: stays open).
      const helo = await abuser.request(
        '\nHELO still here\n',
        (r) => r.type === 'helo',
        5000,
        'HELO after the line',
      );
      assert.ok(helo.raw.startsWith('HELO still here\n'));
      peak = Math.max(peak, process.memoryUsage().rss);
      const growth = (peak - before.rss) / MiB;
      console.log(
        `long line: ${LINE_MiB} MiB sent, RSS growth ${growth.toFixed(1)} MiB (server and clients in this process)`,
      );
      assert.ok(
        growth < GROWTH_LIMIT_MiB,
        `RSS grew by ${growth.toFixed(1)} MiB while a ${LINE_MiB} MiB line streamed in`,
      );

      const errors = got.filter((r) => r.type === 'error');
      assert.deepEqual(
        errors.map((r) => (r.type === 'error' ? r.code : 0)),
        [ErrorCode.RequestTooLarge],
        'exactly one error for the whole line',
      );
      assert.equal(abuser.closed, false);

      const report = await chatters.stop();
      console.log(`long line: chatters ${JSON.stringify(report)}`);
      assert.ok(report.delivered > 0);
    } finally {
      abuser.destroy();
      chatters.close();
      await srv.close();
    }
  },
);
