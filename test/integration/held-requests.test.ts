/**
 * What may happen while the server holds a connection's requests (throttled, or waiting on a
 * bus that delivers late) must not change what they mean: the quiet rule does not take a
 * half-read line for a whole one (T11), and a connection that closes during its first JOIN
 * leaves nothing of itself in the room (T6, T7).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { DelayedCluster } from '../fixtures/delayed-cluster.js';
import { joinRoom } from '../helpers/session.js';
import { waitUntil } from '../helpers/wait.js';
import { WireClient } from '../helpers/wire-client.js';

test('T11 a request split over segments while throttled is not cut by the quiet timer', async () => {
  const srv = await startServer({ quietMs: 50, limits: { rateLimitPerSecond: 4, rateBurst: 1 } });
  try {
    const c = await WireClient.connect(srv.port);
    // The first segment ends mid-line (the quiet timer is armed) and holds more requests than
    // the burst, so the server stops reading while the rest of the line is on its way.
    c.send(request.helo('a') + 'JOIN_CHATROOM: r\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: bo');
    for (const piece of [
      'b\n' + request.helo('c') + 'JOIN_CHATROOM: r2\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: ali',
      'ce\n',
    ]) {
      await new Promise((resolve) => setTimeout(resolve, 20)); // never quiet for 50 ms
      c.send(piece);
    }
    await c.expect(frame.helo('a', srv.port));
    await c.expect(frame.joined('r', srv.port, 1, 1) + frame.joinedNotice(1, 'bob'), 3000);
    await c.expect(frame.helo('c', srv.port), 3000);
    await c.expect(frame.joined('r2', srv.port, 2, 1) + frame.joinedNotice(2, 'alice'), 3000);
    c.close();
  } finally {
    await srv.close();
  }
});

test('T6 a connection that closes while its first JOIN waits for its JOIN_ID leaves no member behind', async () => {
  const cluster = new DelayedCluster({ maxDelayMs: 2, duplicateOneIn: 0 });
  const node = cluster.node();
  // The JOIN_ID comes only when the test says: the client closes while it is on the way.
  let issue: (() => void) | undefined;
  const asked = new Promise<void>((resolve) => {
    issue = resolve;
  });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const directory = {
    issueJoinId: async (): Promise<number> => {
      issue?.();
      await released;
      return node.issueJoinId();
    },
    joinIdIssued: (id: number) => node.joinIdIssued(id),
    refStatus: (ref: number) => node.refStatus(ref),
    close: () => node.close(),
  };
  const srv = await startServer({ seams: { bus: node, directory } });
  try {
    const a = await WireClient.connect(srv.port);
    a.send(request.join('door', 'a'));
    await asked;
    a.socket.resetAndDestroy(); // gone at once (a FIN would let the JOIN finish first)
    await waitUntil(() => srv.server.connectionCount === 0, "a's close to reach the server");
    release();
    await waitUntil(() => cluster.book.joinIdIssued(1), 'the JOIN_ID to be issued');
    // Nothing of a is left: no member here, no room in the service.
    const b = await WireClient.connect(srv.port);
    const jb = await joinRoom(b, 'door', 'b');
    b.send(request.leave(jb.roomRef, jb.joinId, 'b'));
    await b.expect(frame.left(jb.roomRef, jb.joinId) + frame.leftNotice(jb.roomRef, 'b'));
    await waitUntil(() => cluster.book.roomCount === 0, 'the room to be forgotten (T7)');
    assert.equal(srv.server.rooms.roomCount, 0);
    assert.equal(srv.server.sessionsByJoinId.has(1), false, "a's JOIN_ID maps to nobody");
    b.close();
  } finally {
    await srv.close();
  }
});
