/**
 * ALL (C2) on real sockets, and both protocols served by one port at the same time.
 */
import { after, before, describe, test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import {
  registerUser,
  startDirectServer,
  withBody,
  type DirectTestServer,
} from '../helpers/direct-server.js';
import { frame } from '../helpers/frames.js';
import { WireClient } from '../helpers/wire-client.js';

let srv: DirectTestServer;
before(async () => {
  srv = await startDirectServer({ tuning: { ackTimeoutMs: 150 } });
});
after(() => srv.close());

describe('ALL (C2)', () => {
  test('nobody else registered: ERROR 102', async () => {
    const a = await registerUser(srv.port, 'solo');
    a.send.send(withBody('SEND ALL', 'anyone?'));
    await a.send.expect('ERROR 102 Unable to send\n\n');
    await a.expectNothing('recv'); // the sender is not one of its own recipients
    a.close();
  });

  test('three users: every other one gets it; one SEND ALL after all acknowledged', async () => {
    const [a, b, c] = [
      await registerUser(srv.port, 'u1'),
      await registerUser(srv.port, 'u2'),
      await registerUser(srv.port, 'u3'),
    ];
    a.send.send(withBody('SEND ALL', 'hi all ✓'));
    for (const u of [b, c]) await u.recv.expect(withBody('FORWARD u1', 'hi all ✓'));
    b.recv.send('RECEIVED u1\n\n');
    await a.expectNoReplyYet(); // u3 has not acknowledged yet
    c.recv.send('RECEIVED u1\n\n');
    await a.send.expect('SEND ALL\n\n');
    await a.expectNothing('recv');
    for (const u of [a, b, c]) u.close();
  });

  test('one recipient that does not acknowledge: ERROR 102 once, after the timeout', async () => {
    const [a, b, c] = [
      await registerUser(srv.port, 'v1'),
      await registerUser(srv.port, 'v2'),
      await registerUser(srv.port, 'v3'),
    ];
    a.send.send(withBody('SEND ALL', 'x'));
    for (const u of [b, c]) await u.recv.expect(withBody('FORWARD v1', 'x'));
    b.recv.send('RECEIVED v1\n\n');
    await a.send.expect('ERROR 102 Unable to send\n\n', 2000);
    await a.expectNothing('send'); // one reply for the SEND ALL, not one per recipient
    for (const u of [a, b, c]) u.close();
  });
});

describe('both protocols on one port', () => {
  test('a chat room and direct messages at the same time', async () => {
    const port = srv.port;
    const room = await WireClient.connect(port);
    const [a, b] = [await registerUser(port, 'w1'), await registerUser(port, 'w2')];
    room.send(request.join('lobby', 'chatter'));
    a.send.send(withBody('SEND w2', 'psst'));
    await room.expect(frame.joined('lobby', port, 1, 1) + frame.joinedNotice(1, 'chatter'));
    await b.recv.expect(withBody('FORWARD w1', 'psst'));
    room.send(request.chat(1, 1, 'chatter', 'hello room'));
    b.recv.send('RECEIVED w1\n\n');
    await room.expect(frame.chat(1, 'chatter', 'hello room'));
    await a.send.expect('SEND w2\n\n');
    // A chat-room request on a COL334 connection is not chat: it is refused in COL334 terms.
    b.send.send('HELO x\n\n');
    await b.send.expect('ERROR 103 Header Incomplete\n\n');
    room.close();
    a.close();
    b.close();
  });
});
