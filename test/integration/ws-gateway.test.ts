/**
 * The WebSocket gateway in front of a real server: the chat-room protocol byte for byte over
 * /ws, TCP and WebSocket clients in one room, and the transport's limits (shared connection
 * limits, largest message, origins, the slow-reader bound on the WebSocket's own socket,
 * liveness pings), each over real sockets on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import WebSocket from 'ws';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { startService } from '../helpers/service.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';
import { until } from '../helpers/ws-pair.js';

/** A raw ws client: messages as they come, text or binary, and how it closed. */
async function rawClient(
  url: string,
  options: WebSocket.ClientOptions = {},
): Promise<{
  ws: WebSocket;
  messages: { text: string; binary: boolean }[];
  closed: Promise<number>;
}> {
  const ws = new WebSocket(url, options);
  const messages: { text: string; binary: boolean }[] = [];
  ws.on('message', (data: Buffer, binary) => messages.push({ text: data.toString(), binary }));
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await once(ws, 'open');
  return { ws, messages, closed };
}

/** `p`, or a failure naming `what` after `ms`. */
function within<T>(p: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The HTTP status a WebSocket handshake is refused with (undefined: it was accepted). */
function handshakeStatus(
  url: string,
  headers: Record<string, string>,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(undefined);
      ws.close();
    });
  });
}

test('TCP and WebSocket members of one room: every byte the same, replies as text messages', async () => {
  const srv = await startServer({ web: {} });
  const tcp = await WireClient.connect(srv.port);
  const web = await WireClient.connectWs(srv.wsUrl);
  try {
    const t = await joinRoom(tcp, 'mixed', 'terminal');
    // Sent cut mid-request and mid-character, one message per piece (T11).
    const join = Buffer.from(request.join('mixed', 'brówser'));
    for (const cut of [
      [0, 9],
      [9, 30],
      [30, 56],
      [56, join.length],
    ]) {
      web.send(join.subarray(cut[0], cut[1]));
    }
    await web.expect(frame.joined('mixed', srv.httpPort, t.roomRef, 2));
    await web.expect(frame.joinedNotice(t.roomRef, 'brówser'));
    await tcp.expect(frame.joinedNotice(t.roomRef, 'brówser'));

    web.send(request.chat(t.roomRef, 2, 'brówser', 'from the browser') + 'HELO x\n');
    for (const c of [tcp, web])
      await c.expect(frame.chat(t.roomRef, 'brówser', 'from the browser'));
    await web.expect(frame.helo('x', srv.httpPort)); // T9: the port the client reached
    tcp.send(request.chat(t.roomRef, t.joinId, 'terminal', 'two\nlines'));
    for (const c of [tcp, web]) await c.expect(frame.chat(t.roomRef, 'terminal', 'two\nlines'));
    // T8 holds across transports: the WebSocket may not use the TCP member's JOIN_ID.
    web.send(request.chat(t.roomRef, t.joinId, 'brówser', 'as terminal'));
    await web.expect(frame.error(4, `JOIN_ID belongs to another connection: JOIN_ID ${t.joinId}`));

    const raw = await rawClient(srv.wsUrl);
    raw.ws.send('HELO raw\n');
    await until(() => raw.messages.length === 1, 'the HELO reply');
    assert.deepEqual(raw.messages, [{ text: frame.helo('raw', srv.httpPort), binary: false }]);
    raw.ws.close();

    web.send(request.disconnect('brówser')); // T6 over WebSocket
    await web.expect(frame.leftNotice(t.roomRef, 'brówser'));
    await tcp.expect(frame.leftNotice(t.roomRef, 'brówser'));
    await web.expectClosed();
  } finally {
    tcp.close();
    web.close();
    await srv.close();
  }
});

test('in a Redis cluster of two: a WebSocket member on one node, a TCP member on the other', async () => {
  const service = await startService('Redis cluster of two', { web: {} });
  const [a, b] = service.nodes;
  if (a === undefined || b === undefined) throw new Error('two nodes');
  const web = await WireClient.connectWs(a.wsUrl);
  const tcp = await WireClient.connect(b.port);
  try {
    const w = await joinRoom(web, 'across', 'browser');
    const t = await joinRoom(tcp, 'across', 'terminal');
    assert.equal(t.roomRef, w.roomRef, 'one ref for the name on every node (T7)');
    await web.expect(frame.joinedNotice(w.roomRef, 'terminal'));
    web.send(request.chat(w.roomRef, w.joinId, 'browser', 'from node a, by WebSocket'));
    for (const c of [web, tcp]) {
      await c.expect(frame.chat(w.roomRef, 'browser', 'from node a, by WebSocket'));
    }
    tcp.send(request.chat(t.roomRef, t.joinId, 'terminal', 'from node b, by TCP'));
    for (const c of [tcp, web])
      await c.expect(frame.chat(t.roomRef, 'terminal', 'from node b, by TCP'));
    web.close(); // T6 across nodes: the TCP member hears the WebSocket member leave
    await tcp.expect(frame.leftNotice(w.roomRef, 'browser'));
  } finally {
    web.close();
    tcp.close();
    await service.close();
  }
});

test('WebSocket and TCP connections count against the same connection limit', async () => {
  const srv = await startServer({
    web: {},
    admission: { maxConnections: 1, maxConnectionsPerAddress: 0 },
  });
  try {
    const first = await WireClient.connect(srv.port);
    const refused = await rawClient(srv.wsUrl);
    assert.equal(await within(refused.closed, 'the close'), 1000);
    assert.deepEqual(refused.messages, [
      { text: frame.error(12, 'Server full: at most 1 connections'), binary: false },
    ]);
    first.close();
    await until(() => srv.acceptor.admittedCount === 0, 'the TCP slot freed');

    const web = await WireClient.connectWs(srv.wsUrl);
    const tcp = await WireClient.connect(srv.port);
    await tcp.expect(frame.error(12, 'Server full: at most 1 connections'));
    await tcp.expectClosed();
    web.close();
  } finally {
    await srv.close();
  }
});

test('a message over --max-ws-message-bytes: close 1009, and the room hears the leave', async () => {
  const srv = await startServer({ web: { maxMessageBytes: 1024 } });
  const tcp = await WireClient.connect(srv.port);
  try {
    const t = await joinRoom(tcp, 'big', 'terminal');
    const raw = await rawClient(srv.wsUrl);
    raw.ws.send(request.join('big', 'sender'));
    await tcp.expect(frame.joinedNotice(t.roomRef, 'sender'));
    raw.ws.send(request.chat(t.roomRef, 2, 'sender', 'x'.repeat(1024)));
    assert.equal(await within(raw.closed, 'the close'), 1009);
    await tcp.expect(frame.leftNotice(t.roomRef, 'sender')); // T6: closed without DISCONNECT
  } finally {
    tcp.close();
    await srv.close();
  }
});

test('origins: the page’s own and listed ones are let in, other web pages get 403', async () => {
  const srv = await startServer({ web: {} });
  const listed = await startServer({ web: { origins: 'https://chat.example.org, http://b.test' } });
  const any = await startServer({ web: { origins: '*' } });
  try {
    const own = `http://127.0.0.1:${srv.httpPort}`;
    assert.equal(await handshakeStatus(srv.wsUrl, { Origin: own }), undefined);
    assert.equal(await handshakeStatus(srv.wsUrl, {}), undefined, 'no Origin: a program');
    assert.equal(await handshakeStatus(srv.wsUrl, { Origin: 'http://evil.example' }), 403);
    assert.equal(
      await handshakeStatus(listed.wsUrl, { Origin: 'https://chat.example.org' }),
      undefined,
    );
    assert.equal(await handshakeStatus(listed.wsUrl, { Origin: 'http://B.test/' }), undefined);
    assert.equal(await handshakeStatus(listed.wsUrl, { Origin: 'http://evil.example' }), 403);
    assert.equal(await handshakeStatus(any.wsUrl, { Origin: 'http://evil.example' }), undefined);
    const elsewhere = srv.wsUrl.replace('/ws', '/socket');
    assert.equal(await handshakeStatus(elsewhere, {}), 404);
  } finally {
    await Promise.all([srv.close(), listed.close(), any.close()]);
  }
});

test('a WebSocket reader that stops reading is cut off at the send-queue bound', async () => {
  const srv = await startServer({
    web: {},
    limits: { sendQueueBytes: 64 * 1024, rateLimitPerSecond: 0 },
  });
  const talker = await WireClient.connect(srv.port);
  const raw = await rawClient(srv.wsUrl);
  try {
    const t = await joinRoom(talker, 'flood', 'talker');
    raw.ws.send(request.join('flood', 'stalled'));
    await talker.expect(frame.joinedNotice(t.roomRef, 'stalled'));
    raw.ws.pause(); // its socket reads nothing more: kernel buffers fill, then the server's
    const payload = 'y'.repeat(16_000);
    // Bounded: far past loopback buffers plus the bound, it must have been cut by then.
    for (let i = 0; i < 4000 && srv.server.drops['slow-reader'] === 0; i++) {
      talker.send(request.chat(t.roomRef, t.joinId, 'talker', payload));
      const echo = await talker.nextReply(5000);
      assert.equal(echo.type, 'chat');
    }
    assert.equal(srv.server.drops['slow-reader'], 1);
    await until(() => talker.pending.includes('stalled has left this chatroom.'), 'its leave');
  } finally {
    talker.close();
    raw.ws.terminate();
    await srv.close();
  }
});

test('liveness: a peer that stops answering pings is cut; one that answers stays', async () => {
  // Long enough that a loaded machine still answers in time; the silent peer goes in ~0.5 s.
  const srv = await startServer({ web: { pingMs: 250 } });
  try {
    const alive = await WireClient.connectWs(srv.wsUrl);
    const silent = await rawClient(srv.wsUrl, { autoPong: false });
    assert.equal(await within(silent.closed, 'the cut'), 1006, 'cut without a closing handshake');
    alive.send('HELO still here\n');
    await alive.expect(frame.helo('still here', srv.httpPort));
    alive.close();
  } finally {
    await srv.close();
  }
});

test('the first-request rule holds over WebSocket: a silent peer gets error 13, one answered stays', async () => {
  const srv = await startServer({
    web: {},
    admission: { firstRequestTimeoutMs: 300, exemptLoopback: false },
  });
  try {
    const answered = await WireClient.connectWs(srv.wsUrl);
    answered.send('HELO first\n');
    await answered.expect(frame.helo('first', srv.httpPort));
    const silent = await rawClient(srv.wsUrl);
    assert.equal(await within(silent.closed, 'the close'), 1000);
    assert.deepEqual(silent.messages, [
      { text: frame.error(13, 'Idle timeout: no request answered within 300 ms'), binary: false },
    ]);
    answered.send('HELO still\n'); // opened before the silent one: its timer has fired too
    await answered.expect(frame.helo('still', srv.httpPort));
    answered.close();
  } finally {
    await srv.close();
  }
});

test('the page and its files: from memory, with a CSP; nothing else on disk; 405, 426, 503', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'roomcast-web-'));
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  await writeFile(path.join(root, 'app.js'), 'export {};');
  await writeFile(path.join(root, 'notes.txt'), 'not a web file');
  const srv = await startServer({ web: { webRoot: root } });
  const unbuilt = await startServer({ web: { webRoot: path.join(root, 'missing') } });
  try {
    const at = (p: string, init?: RequestInit): Promise<Response> =>
      fetch(`http://127.0.0.1:${srv.httpPort}${p}`, init);
    const page = await at('/');
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(await page.text(), '<!doctype html><title>t</title>');
    const script = await at('/app.js?v=1');
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(await script.text(), 'export {};');
    for (const p of ['/notes.txt', '/../package.json', '/%2e%2e/package.json', '/nope']) {
      assert.equal((await at(p)).status, 404, p);
    }
    assert.equal((await at('/', { method: 'POST' })).status, 405);
    assert.equal((await at('/ws')).status, 426);
    const missing = await fetch(`http://127.0.0.1:${unbuilt.httpPort}/`);
    assert.equal(missing.status, 503);
    assert.equal(await missing.text(), 'the web client is not built: run ./compile.sh\n');
  } finally {
    await Promise.all([srv.close(), unbuilt.close()]);
    await rm(root, { recursive: true, force: true });
  }
});
