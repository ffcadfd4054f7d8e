/**
 * COL334 registration on real sockets (PROTOCOL.md Part 2, C5): good names, malformed names,
 * requests before registering, names in use, and a name released when a connection closes.
 */
import { after, before, describe, test } from 'node:test';
import {
  registerUser,
  startDirectServer,
  type DirectTestServer,
} from '../helpers/direct-server.js';
import { WireClient } from '../helpers/wire-client.js';

let srv: DirectTestServer;
before(async () => {
  srv = await startDirectServer();
});
after(() => srv.close());

describe('registration', () => {
  test('TOSEND then TORECV, each answered REGISTERED', async () => {
    const user = await registerUser(srv.port, 'alice');
    user.close();
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
    const again = await registerUser(srv.port, 'carol');
    again.recv.close();
    await again.send.expectClosed();
    const third = await registerUser(srv.port, 'carol');
    third.close();
  });

  test('CRLF and a registration split byte by byte', async () => {
    const c = await WireClient.connect(srv.port);
    await c.sendByteByByte('REGISTER TOSEND dave\r\n\r\n');
    await c.expect('REGISTERED TOSEND dave\n\n');
    c.close();
  });
});
