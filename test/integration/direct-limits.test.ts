/**
 * Part 3's limits on COL334 connections: a slow reader is cut off (and its user released), and
 * the idle timeout spares receive connections. The request rate is in throttle.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { registerUser, startDirectServer, withBody } from '../helpers/direct-server.js';
import { keepAliveUntil } from '../helpers/wait.js';
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
    const idleMs = 150;
    const srv = await startDirectServer({ limits: { idleTimeoutMs: idleMs } });
    try {
      const idle = await WireClient.connect(srv.port);
      idle.send('REGISTER TOSEND'); // COL334 by its first bytes, and never finished
      const user = await registerUser(srv.port, 'quiet');
      const recvSilentSince = performance.now(); // its REGISTER was its last byte
      // The send side speaks (a REGISTER round trip) every idleMs / 5 until the unfinished
      // connection has timed out and the receive side has been silent for two timeouts.
      await keepAliveUntil(
        () => idle.closed && performance.now() - recvSilentSince >= 2 * idleMs,
        () => user.expectNothing('send'),
        'the unregistered connection to time out, and two timeouts of the receive side',
        { everyMs: idleMs / 5 },
      );
      assert.equal(idle.pending, '', 'COL334 has no idle error: the connection just closes');
      assert.equal(user.recv.closed, false, 'receive connection closed while its user was active');
      // Once the send side is quiet too, it times out, and the receive side closes with it.
      await user.send.expectClosed(1000);
      await user.recv.expectClosed(1000);
    } finally {
      await srv.close();
    }
  });
});
