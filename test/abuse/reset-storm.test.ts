/**
 * Abuse: 2000 connections opened and aborted with a TCP RST, 100 at a time, while others chat.
 * Some reset at once, some mid-request, some after joining the chatters' room (T6: their
 * leave notices must reach the room), some with a pipeline of requests unread. Afterwards the
 * server holds no trace of them (connection count, admission slots), and the chatters saw no
 * error and no gap, and exactly one join and one leave notice for each abuser that joined.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { EventClient } from '../helpers/event-log.js';
import { startServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { startChatters } from './chatters.js';

const CONNECTIONS = 2000;
const CONCURRENCY = 100;

test(
  `${CONNECTIONS} connections opened and reset, ${CONCURRENCY} at a time, while others chat`,
  { timeout: 20_000 },
  async () => {
    // Admission limits on: every reset connection must give its slot back.
    const srv = await startServer({
      admission: { maxConnections: 1000, maxConnectionsPerAddress: 500, exemptLoopback: false },
    });
    const chatters = await startChatters(srv.port);
    const joinedNames: string[] = [];
    const started = performance.now();
    try {
      await chatters.flowing();

      const abuse = async (i: number): Promise<void> => {
        const c = await EventClient.connect(srv.port);
        switch (i % 4) {
          case 0:
            break; // reset before a byte
          case 1:
            c.send(`JOIN_CHATROOM: ${chatters.room}\nCLIENT_IP: 0\nPO`); // reset mid-request
            break;
          case 2: {
            const name = `rst${i}`;
            await c.request(
              request.join(chatters.room, name),
              (r) => r.type === 'joined',
              5000,
              `${name} JOINED`,
            );
            joinedNames.push(name);
            break;
          }
          case 3:
            c.send(request.helo('unread').repeat(200)); // replies left unread
            break;
        }
        c.reset();
        await c.closedWithin(5000, `abuser ${i} closing`);
      };

      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < CONNECTIONS) await abuse(next++);
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      const storm = performance.now() - started;

      // Only the chatters are left, and the admission slots came back.
      await waitUntil(
        () => srv.server.connectionCount === 4,
        () => `the 4 chatters alone; ${srv.server.connectionCount} connections left`,
      );
      const probe = await EventClient.connect(srv.port);
      try {
        await probe.request(request.helo('after'), (r) => r.type === 'helo', 5000, 'HELO after');
      } finally {
        probe.destroy();
      }

      const report = await chatters.stop();
      console.log(
        `reset storm: ${CONNECTIONS} resets in ${storm.toFixed(0)} ms, ${joinedNames.length} of them ` +
          `joined the room; chatters ${JSON.stringify(report)}`,
      );
      // T6: each abuser that joined left a join and a leave notice in the room, once each.
      const events = chatters.events();
      for (const name of joinedNames) {
        const notices = events.filter((m) => m.startsWith(`${name} has `));
        assert.deepEqual(
          notices,
          [`${name} has joined this chatroom.`, `${name} has left this chatroom.`],
          `notices of ${name}`,
        );
      }
      assert.equal(joinedNames.length, CONNECTIONS / 4);
    } finally {
      chatters.close();
      await srv.close();
    }
  },
);
