/**
 * A client that pipes its requests and then closes its side (`printf ... | nc -N`) gets every
 * answer, whatever made the server hold its requests: the rate (throttling), the IntakeGate,
 * or a JOIN waiting for its event on a bus that delivers late. Sockets are half-open; the
 * server closes its side once it has answered everything.
 */
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { startService } from '../helpers/service.js';
import { WireClient } from '../helpers/wire-client.js';
import { registerUser, startDirectServer, withBody } from '../helpers/direct-server.js';

test('piped HELOs over the rate, then FIN: every one answered, then the close', async () => {
  const srv = await startServer({ limits: { rateLimitPerSecond: 100, rateBurst: 10 } });
  try {
    const c = await WireClient.connect(srv.port);
    c.send(Array.from({ length: 40 }, (_, i) => request.helo(String(i))).join(''));
    c.socket.end();
    const all = Array.from({ length: 40 }, (_, i) => frame.helo(String(i), srv.port)).join('');
    await c.expect(all, 5000);
    await c.expectClosed();
  } finally {
    await srv.close();
  }
});

test('a JOIN, a CHAT, a LEAVE and a HELO, then FIN, on a bus that delivers late: all answered in order', async () => {
  const service = await startService('delayed cluster of two');
  try {
    const c = await service.connect();
    const port = c.socket.remotePort ?? 0;
    c.send(
      request.join('halfway', 'a') +
        request.chat(1, 1, 'a', 'hello') +
        request.leave(1, 1, 'a') +
        request.helo('after'),
    );
    c.socket.end();
    await c.expect(
      frame.joined('halfway', port, 1, 1) +
        frame.joinedNotice(1, 'a') +
        frame.chat(1, 'a', 'hello') +
        frame.left(1, 1) +
        frame.leftNotice(1, 'a') +
        frame.helo('after', port),
      5000,
    );
    await c.expectClosed();
  } finally {
    await service.close();
  }
});

test('a JOIN missing its final newline, then FIN: served', async () => {
  const srv = await startServer();
  try {
    const c = await WireClient.connect(srv.port);
    c.send('JOIN_CHATROOM: r\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: a');
    c.socket.end();
    await c.expect(frame.joined('r', srv.port, 1, 1) + frame.joinedNotice(1, 'a'));
    await c.expectClosed();
  } finally {
    await srv.close();
  }
});

test('COL334: SENDs over the rate, then FIN: every one forwarded and confirmed', async () => {
  const srv = await startDirectServer({ limits: { rateLimitPerSecond: 20, rateBurst: 3 } });
  try {
    const [a, b] = [await registerUser(srv.port, 'piper'), await registerUser(srv.port, 'sink')];
    a.send.send(Buffer.concat(Array.from({ length: 6 }, (_, i) => withBody('SEND sink', `${i}`))));
    a.send.socket.end();
    for (let i = 0; i < 6; i++) {
      await b.recv.expect(withBody('FORWARD piper', `${i}`), 3000);
      b.recv.send('RECEIVED piper\n\n');
    }
    await a.send.expect('SEND sink\n\n'.repeat(6), 3000);
    await a.send.expectClosed();
    b.close();
  } finally {
    await srv.close();
  }
});
