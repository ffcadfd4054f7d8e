/**
 * COL334 registration on real sockets (PROTOCOL.md Part 2, C5): good names, malformed names,
 * requests before registering (as a connection's first request too), names in use, and a
 * name released when a connection closes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  registerUser,
  startDirectServer,
  withBody,
  type DirectTestServer,
} from '../helpers/direct-server.js';
import { WireClient } from '../helpers/wire-client.js';

let srv: DirectTestServer;
before(async () => {
  srv = await startDirectServer();
});
after(() => srv.close());

describe('registration', () => {
  test('TOSEND then TORECV, each answered REGISTERED; the two make one user', async () => {
    const send = await WireClient.connect(srv.port);
    send.send('REGISTER TOSEND alice\n\n');
    await send.expect('REGISTERED TOSEND alice\n\n');
    const recv = await WireClient.connect(srv.port);
    recv.send('REGISTER TORECV alice\n\n');
    await recv.expect('REGISTERED TORECV alice\n\n');
    assert.equal(srv.direct.registry.get('alice')?.inbox !== undefined, true, 'a receive side');
    // One user: a message to herself goes out on one connection and comes in on the other.
    send.send(withBody('SEND alice', 'note to self'));
    await recv.expect(withBody('FORWARD alice', 'note to self'));
    recv.send('RECEIVED alice\n\n');
    await send.expect('SEND alice\n\n');
    send.close();
    recv.close();
  });

  test('malformed names get ERROR 100 and the connection stays usable', async () => {
    const c = await WireClient.connect(srv.port);
    for (const bad of ['ali ce', 'ALL', 'a_b', '', 'é']) {
      c.send(`REGISTER TOSEND ${bad}\n\n`);
      await c.expect('ERROR 100 Malformed username\n\n');
    }
    c.send('REGISTER TOSEND fine1\n\n');
    await c.expect('REGISTERED TOSEND fine1\n\n');
    c.close();
  });

  test('any other request before registering: ERROR 101', async () => {
    const c = await WireClient.connect(srv.port);
    c.send('REGISTER TOSHOUT bob\n\n'); // routed here by its first word, but not a registration
    await c.expect('ERROR 101 No user registered\n\n');
    c.send('SEND bob\nContent-length: 2\n\nhi');
    await c.expect('ERROR 101 No user registered\n\n');
    c.send('RECEIVED bob\n\n');
    await c.expect('ERROR 101 No user registered\n\n');
    c.send('REGISTER TORECV late\n\n');
    await c.expect('REGISTERED TORECV late\n\n');
    c.close();
  });

  // A connection's first request picks its protocol: these are COL334's, so a client that
  // skipped REGISTER is told so in COL334 terms, never with a chat-room ERROR_CODE.
  const openings = [
    ['SEND with a body', withBody('SEND bob', 'hi bob'), 'opener1'],
    ['SENT', 'SENT bob\n\n', 'opener2'],
    ['RECEIVED', 'RECEIVED bob\n\n', 'opener3'],
  ] as const;
  for (const [what, opening, name] of openings) {
    test(`a first request ${what}: exactly ERROR 101, and the connection stays open`, async () => {
      const c = await WireClient.connect(srv.port);
      c.send(opening);
      await c.expect('ERROR 101 No user registered\n\n');
      c.send(opening); // still answered the same, not closed after the first
      await c.expect('ERROR 101 No user registered\n\n');
      // Open and usable: it registers, and nothing came in between.
      c.send(`REGISTER TOSEND ${name}\n\n`);
      await c.expect(`REGISTERED TOSEND ${name}\n\n`);
      assert.equal(c.closed, false);
      c.close();
    });
  }

  test('a first request RECEIVED one byte per segment: the protocol is told apart as it comes', async () => {
    const c = await WireClient.connect(srv.port);
    await c.sendByteByByte('RECEIVED bob\r\n\r\n'); // R, E as REGISTER's; C decides
    await c.expect('ERROR 101 No user registered\n\n');
    await c.expectNothingBefore('REGISTER TORECV split\n\n', 'REGISTERED TORECV split\n\n');
    c.close();
  });

  test('a first SEND without Content-length: ERROR 103, then the connection is closed', async () => {
    const c = await WireClient.connect(srv.port);
    c.send('SEND bob\n\nhi');
    await c.expect('ERROR 103 Header Incomplete\n\n');
    await c.expectClosed();
  });

  test('C5: a name in use is refused unless it completes the pair', async () => {
    const bob = await registerUser(srv.port, 'bob');
    for (const role of ['TOSEND', 'TORECV']) {
      const other = await WireClient.connect(srv.port);
      other.send(`REGISTER ${role} bob\n\n`);
      await other.expect('ERROR 100 Malformed username\n\n');
      other.close();
    }
    // The same registration again on the same connection is answered again.
    bob.send.send('REGISTER TOSEND bob\n\n');
    await bob.send.expect('REGISTERED TOSEND bob\n\n');
    bob.send.send('REGISTER TOSEND robert\n\n');
    await bob.send.expect('ERROR 100 Malformed username\n\n');
    bob.close();
  });

  test('the name is released when either connection closes; the other is closed too', async () => {
    const carol = await registerUser(srv.port, 'carol');
    carol.send.close();
    await carol.recv.expectClosed();
    assert.equal(srv.direct.registry.get('carol'), undefined, 'released with the send side');
    const again = await registerUser(srv.port, 'carol'); // both sides answered REGISTERED
    again.recv.close();
    await again.send.expectClosed();
    assert.equal(srv.direct.registry.get('carol'), undefined, 'released with the receive side');
    const third = await WireClient.connect(srv.port);
    third.send('REGISTER TORECV carol\n\n');
    await third.expect('REGISTERED TORECV carol\n\n');
    third.close();
  });

  test('CRLF and a registration split byte by byte', async () => {
    const c = await WireClient.connect(srv.port);
    await c.sendByteByByte('REGISTER TOSEND dave\r\n\r\n');
    await c.expect('REGISTERED TOSEND dave\n\n');
    c.close();
  });
});
