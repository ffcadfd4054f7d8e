/** A bug in a request handler costs the connection that hit it, never the process or anyone else. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';

test('a handler that throws drops only its own connection, with its leave notices', async () => {
  const srv = await startServer();
  const handle = srv.server.request.bind(srv.server);
  // Stand-in for a bug: one request makes the handler throw.
  srv.server.request = (session, result) => {
    if ('type' in result && result.type === 'helo' && result.text === 'boom') {
      throw new Error('simulated bug');
    }
    return handle(session, result);
  };
  const victim = await WireClient.connect(srv.port);
  const other = await WireClient.connect(srv.port);
  try {
    const j = await joinRoom(victim, 'contained', 'victim');
    await joinRoom(other, 'contained', 'other');
    await victim.expect(frame.joinedNotice(j.roomRef, 'other'));
    victim.send('HELO boom\n');
    await victim.expectClosed();
    await other.expect(frame.leftNotice(j.roomRef, 'victim'));
    assert.equal(srv.server.drops['internal-error'], 1);
    const o = { roomRef: j.roomRef, joinId: j.joinId + 1 };
    other.send(request.chat(o.roomRef, o.joinId, 'other', 'still here'));
    await other.expect(frame.chat(o.roomRef, 'other', 'still here'));
  } finally {
    victim.close();
    other.close();
    await srv.close();
  }
});
