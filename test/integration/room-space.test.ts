/**
 * T7 as revised: a room left empty is forgotten, so creating rooms and leaving them cannot
 * use up --max-rooms and lock every other user out of new rooms (error 15). Its ref is never
 * given to another name, and a repeated LEAVE of it still gets LEFT_CHATROOM (T4).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from '../../src/protocol/tcd-request-text.js';
import { EventClient } from '../helpers/event-log.js';
import { frame } from '../helpers/frames.js';
import { startServer } from '../helpers/server.js';
import { joinRoom } from '../helpers/session.js';
import { WireClient } from '../helpers/wire-client.js';

const MAX_ROOMS = 50;
const ATTACKERS = 20;
const ROOMS_EACH = 15; // 300 fresh names in all: six times the room space

test(`${ATTACKERS} connections that join and leave ${ATTACKERS * ROOMS_EACH} fresh rooms do not use up --max-rooms ${MAX_ROOMS}`, async () => {
  const srv = await startServer({ limits: { maxRooms: MAX_ROOMS } });
  const attackers = await Promise.all(
    Array.from({ length: ATTACKERS }, () => EventClient.connect(srv.port)),
  );
  try {
    await Promise.all(
      attackers.map(async (a, i) => {
        for (let k = 0; k < ROOMS_EACH; k++) {
          const name = `junk-${i}-${k}`;
          const joined = await a.request(
            request.join(name, `bot${i}`),
            (r) => r.type === 'joined' || r.type === 'error',
            5000,
            `JOIN ${name}`,
          );
          assert.equal(joined.type, 'joined', `JOIN ${name}: ${joined.raw}`);
          if (joined.type !== 'joined') return;
          const left = await a.request(
            request.leave(joined.roomRef, joined.joinId, `bot${i}`),
            (r) => r.type === 'left' || r.type === 'error',
            5000,
            `LEAVE ${name}`,
          );
          assert.equal(left.type, 'left', `LEAVE ${name}: ${left.raw}`);
        }
      }),
    );
    assert.equal(srv.server.rooms.roomCount, 0, 'every emptied room was forgotten');

    // A new user creates a room as if nothing had happened.
    const user = await WireClient.connect(srv.port);
    const j = await joinRoom(user, 'our-room', 'newcomer');
    assert.ok(j.roomRef > ATTACKERS * ROOMS_EACH, 'refs only grow: no ref handed out twice');
    user.close();
  } finally {
    for (const a of attackers) a.destroy();
    await srv.close();
  }
});

test('T4 + T7: a repeated LEAVE of a forgotten room gets LEFT_CHATROOM; a CHAT to it, error 2', async () => {
  const srv = await startServer();
  const c = await WireClient.connect(srv.port);
  try {
    const j = await joinRoom(c, 'short-lived', 'solo');
    c.send(request.leave(j.roomRef, j.joinId, 'solo'));
    await c.expect(frame.left(j.roomRef, j.joinId) + frame.leftNotice(j.roomRef, 'solo'));
    assert.equal(srv.server.rooms.get(j.roomRef), undefined, 'forgotten once empty');
    c.send(request.leave(j.roomRef, j.joinId, 'solo'));
    await c.expect(frame.left(j.roomRef, j.joinId));
    c.send(request.chat(j.roomRef, j.joinId, 'solo', 'anyone?'));
    await c.expect(frame.error(2, `No chat room with that ROOM_REF: ROOM_REF ${j.roomRef}`));
    // A ref never issued is not a forgotten one: error 2 for LEAVE too.
    c.send(request.leave(j.roomRef + 1000, j.joinId, 'solo'));
    await c.expect(frame.error(2, `No chat room with that ROOM_REF: ROOM_REF ${j.roomRef + 1000}`));
    // Joined again, the name gets a ref, and the old one is not given to another name.
    const again = await joinRoom(c, 'short-lived', 'solo');
    const other = await joinRoom(c, 'another', 'solo');
    assert.notEqual(other.roomRef, j.roomRef);
    assert.notEqual(again.roomRef, other.roomRef);
  } finally {
    c.close();
    await srv.close();
  }
});
