/**
 * Part 3's limits on COL334 connections: a slow reader is cut off (and its user released), and
 * the idle timeout spares receive connections. The request rate is in throttle.test.ts.
 */
import { describe, test } from 'node:test';
import { registerUser, startDirectServer, withBody } from '../helpers/direct-server.js';
import { WireClient } from '../helpers/wire-client.js';

describe('limits on direct-message connections', () => {
  test('a recipient that does not read is cut off; its senders get ERROR 102', async () => {
    const srv = await startDirectServer({
      limits: { sendQueueBytes: 65_536, maxMessageBytes: 60_000 },
    });
    try {
      const [a, slow] = [await registerUser(srv.port, 'a'), await registerUser(srv.port, 'slow')];
      slow.recv.socket.pause(); // reads nothing from now on
      const big = withBody('SEND slow', 'x'.repeat(60_000));
      a.send.send(Buffer.concat(Array.from({ length: 200 }, () => big)));
      await slow.send.expectClosed(5000); // the user is released with its receive connection
      await a.send.expect('ERROR 102 Unable to send\n\n', 5000);
      a.close();
      slow.close();
    } finally {
      await srv.close();
    }
  });

  test('idle timeout: unregistered and send connections close, receive ones are exempt', async () => {
    const srv = await startDirectServer({ limits: { idleTimeoutMs: 150 } });
    try {
      const idle = await WireClient.connect(srv.port);
      idle.send('REGISTER TOSEND');
      const user = await registerUser(srv.port, 'quiet');
      // Keep the send side busy past the timeout: the receive side must stay open meanwhile.
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 80));
        user.send.send('REGISTER TOSEND quiet\n\n');
        await user.send.expect('REGISTERED TOSEND quiet\n\n');
      }
      await idle.expectClosed(1000);
      if (user.recv.closed) throw new Error('receive connection closed while its user was active');
      await user.send.expectClosed(1000);
      await user.recv.expectClosed(1000);
    } finally {
      await srv.close();
    }
  });
});
