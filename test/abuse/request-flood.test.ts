/**
 * Abuse: one connection pipelines tens of thousands of HELOs at once while others chat. With
 * the default rate limit (500 requests/s, burst 2000) it is served up to its burst, then gets
 * error 11 (docs/protocol.md: too many requests), and, flooding on, is disconnected; the
 * chatters see no error and no gap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/protocol/errors.js';
import { defaultLimits } from '../../src/server/options.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { EventClient } from '../helpers/event-log.js';
import { startServer } from '../helpers/server.js';
import { startChatters } from './chatters.js';

const FLOOD = 50_000;

test(
  `a flood of ${FLOOD} pipelined HELOs: served to the burst, error 11, then cut off`,
  { timeout: 20_000 },
  async () => {
    const srv = await startServer(); // the default limits, rate limit included
    const { rateBurst } = defaultLimits;
    const chatters = await startChatters(srv.port);
    const flooder = await EventClient.connect(srv.port);
    let helos = 0;
    const codes: number[] = [];
    flooder.onReply = (r) => {
      if (r.type === 'helo') helos++;
      else if (r.type === 'error') codes.push(r.code);
    };
    try {
      await chatters.flowing();
      flooder.send(request.helo('flood').repeat(FLOOD));
      await flooder.closedWithin(10_000, 'the flooder to be disconnected');

      console.log(
        `request flood: ${helos} HELO replies, ${codes.length} error replies, then closed`,
      );
      assert.ok(helos < FLOOD / 2, `not served the flood: ${helos} HELO replies`);
      assert.ok(
        codes.every((c) => c === ErrorCode.RateLimited),
        `only error 11: ${[...new Set(codes)].join(',')}`,
      );
      assert.equal(srv.server.drops.flood, 1, 'counted as a flood');

      const report = await chatters.stop();
      console.log(`request flood: chatters ${JSON.stringify(report)}`);

      // T12: the flooder still gets what it earned before the cut-off: the replies to the
      // burst it was served, then error 11, then the close.
      assert.ok(
        helos >= rateBurst && codes.length > 0,
        `served its burst and then told error 11 before the close: ${helos} HELO replies, ${codes.length} errors`,
      );
    } finally {
      flooder.destroy();
      chatters.close();
      await srv.close();
    }
  },
);
