/**
 * COL334 delivery on real sockets: SEND, FORWARD, RECEIVED and the `SEND <user>` ack (C1, C4),
 * unknown users, refusals (C3), ERROR 103 then close, input limits, and a recipient that never
 * acknowledges (a short timeout here; 5 s by default).
 */
import { after, before, describe, test } from 'node:test';
import {
  registerUser,
  startDirectServer,
  withBody,
  type DirectTestServer,
} from '../helpers/direct-server.js';
import { WireClient } from '../helpers/wire-client.js';

const ackTimeoutMs = 150;
let srv: DirectTestServer;
before(async () => {
  srv = await startDirectServer({ tuning: { ackTimeoutMs }, limits: { maxMessageBytes: 1024 } });
});
after(() => srv.close());

describe('direct messages', () => {
  test('SEND, FORWARD, RECEIVED, then SEND <user> to the sender', async () => {
    const [a, b] = [await registerUser(srv.port, 'ann'), await registerUser(srv.port, 'ben')];
    a.send.send(withBody('SEND ben', 'hello ben'));
    await b.recv.expect(withBody('FORWARD ann', 'hello ben'));
    await a.expectNoReplyYet(); // no ack before the recipient's RECEIVED
    b.recv.send('RECEIVED ann\n\n');
    await a.send.expect('SEND ben\n\n');
    // C4: SENT is accepted as the ack word too.
    a.send.send(withBody('SEND ben', 'again'));
    await b.recv.expect(withBody('FORWARD ann', 'again'));
    b.recv.send('SENT ann\n\n');
    await a.send.expect('SEND ben\n\n');
    a.close();
    b.close();
  });

  test('newlines and multi-byte characters, split across segments byte by byte (C1)', async () => {
    const [a, b] = [await registerUser(srv.port, 'cat'), await registerUser(srv.port, 'dan')];
    const text = 'line one\n\nline two: ünïcödé ✓ 🙂\nSEND x\n\n';
    await a.send.sendByteByByte(withBody('SEND dan', text));
    await b.recv.expect(withBody('FORWARD cat', text));
    b.recv.send('RECEIVED cat\n\n');
    await a.send.expect('SEND dan\n\n');
    a.close();
    b.close();
  });

  test('unknown recipient, or one without a receive connection: ERROR 102', async () => {
    const a = await registerUser(srv.port, 'eve');
    a.send.send(withBody('SEND nobody', 'hi'));
    await a.send.expect('ERROR 102 Unable to send\n\n');
    const half = await WireClient.connect(srv.port);
    half.send('REGISTER TOSEND half\n\n');
    await half.expect('REGISTERED TOSEND half\n\n');
    a.send.send(withBody('SEND half', 'hi'));
    await a.send.expect('ERROR 102 Unable to send\n\n');
    half.close();
    a.close();
  });

  test('C3: a recipient answering ERROR 103 gets the sender an ERROR 102', async () => {
    const [a, b] = [await registerUser(srv.port, 'fay'), await registerUser(srv.port, 'gus')];
    a.send.send(withBody('SEND gus', 'x'));
    await b.recv.expect(withBody('FORWARD fay', 'x'));
    b.recv.send('ERROR 103 Header Incomplete\n\n');
    await a.send.expect('ERROR 102 Unable to send\n\n');
    a.close();
    b.close();
  });

  test('SEND without Content-length: ERROR 103, then that connection is closed', async () => {
    const a = await registerUser(srv.port, 'hal');
    a.send.send('SEND ivy\n\nhello');
    await a.send.expect('ERROR 103 Header Incomplete\n\n');
    await a.send.expectClosed();
    await a.recv.expectClosed(); // the name is released with it
    a.close();
  });

  test('Content-length over the limit: ERROR 102, the body skipped, the connection usable', async () => {
    const [a, b] = [await registerUser(srv.port, 'jon'), await registerUser(srv.port, 'kim')];
    a.send.send(withBody('SEND kim', 'z'.repeat(2000)));
    await a.send.expect('ERROR 102 Unable to send\n\n');
    a.send.send(withBody('SEND kim', 'small'));
    await b.recv.expect(withBody('FORWARD jon', 'small'));
    b.recv.send('RECEIVED jon\n\n');
    await a.send.expect('SEND kim\n\n');
    a.close();
    b.close();
  });

  test('a header over the limit: ERROR 103 and close', async () => {
    const c = await WireClient.connect(srv.port);
    c.send(`REGISTER TOSEND ${'x'.repeat(70_000)}`);
    await c.expect('ERROR 103 Header Incomplete\n\n');
    await c.expectClosed();
  });

  test('a recipient that never acknowledges: ERROR 102 after the timeout, nobody else waits', async () => {
    const [a, mute, c] = [
      await registerUser(srv.port, 'leo'),
      await registerUser(srv.port, 'mute'),
      await registerUser(srv.port, 'ned'),
    ];
    const started = Date.now();
    a.send.send(withBody('SEND mute', 'are you there'));
    await mute.recv.expect(withBody('FORWARD leo', 'are you there'));
    // Meanwhile another sender reaches another recipient at once.
    c.send.send(withBody('SEND leo', 'quick'));
    await a.recv.expect(withBody('FORWARD ned', 'quick'));
    a.recv.send('RECEIVED ned\n\n');
    await c.send.expect('SEND leo\n\n');
    await a.send.expect('ERROR 102 Unable to send\n\n', 2000);
    const waited = Date.now() - started;
    if (waited < ackTimeoutMs - 5) throw new Error(`102 after ${waited} ms, before the timeout`);
    // The late ack is absorbed: it does not confirm the next message.
    mute.recv.send('RECEIVED leo\n\n');
    a.send.send(withBody('SEND mute', 'second'));
    await mute.recv.expect(withBody('FORWARD leo', 'second'));
    await a.expectNoReplyYet();
    mute.recv.send('RECEIVED leo\n\n');
    await a.send.expect('SEND mute\n\n');
    for (const u of [a, mute, c]) u.close();
  });

  test('replies keep the order of the SENDs that caused them', async () => {
    const [a, slow, fast] = [
      await registerUser(srv.port, 'oli'),
      await registerUser(srv.port, 'pam'),
      await registerUser(srv.port, 'quy'),
    ];
    a.send.send(Buffer.concat([withBody('SEND pam', '1'), withBody('SEND quy', '2')]));
    await fast.recv.expect(withBody('FORWARD oli', '2'));
    fast.recv.send('RECEIVED oli\n\n');
    await slow.recv.expect(withBody('FORWARD oli', '1'));
    await a.expectNoReplyYet(); // quy's ack waits for pam's
    slow.recv.send('RECEIVED oli\n\n');
    await a.send.expect('SEND pam\n\nSEND quy\n\n');
    for (const u of [a, slow, fast]) u.close();
  });

  test('a receive connection sending something else: ERROR 103 and close', async () => {
    const a = await registerUser(srv.port, 'ray');
    a.recv.send(withBody('SEND ray', 'x'));
    await a.recv.expect('ERROR 103 Header Incomplete\n\n');
    await a.recv.expectClosed();
    await a.send.expectClosed();
  });
});
