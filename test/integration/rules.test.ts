/** One test or more per rule of PROTOCOL.md Part 1, over real sockets, named by the rule. */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from '../helpers/frames.js';
import { portOf, serviceKinds, startService, type TestService } from '../helpers/service.js';
import { joinRoom, type Joined } from '../helpers/session.js';
import type { WireClient } from '../helpers/wire-client.js';

for (const kind of serviceKinds)
  describe(`PROTOCOL.md Part 1 rules, ${kind}`, () => {
    let srv: TestService;
    let open: WireClient[] = [];
    before(async () => {
      srv = await startService(kind);
    });
    after(() => srv.close());
    afterEach(() => {
      for (const c of open) c.close();
      open = [];
    });

    async function clients(n: number): Promise<WireClient[]> {
      const cs: WireClient[] = [];
      for (let i = 0; i < n; i++) cs.push(await srv.connect());
      open.push(...cs);
      return cs;
    }

    let roomSeq = 0;
    const freshRoom = (): string => `room-${++roomSeq}`;

    /** Two clients, alice and bob, in a fresh room, with the join notices read. */
    async function aliceAndBob(): Promise<{
      a: WireClient;
      b: WireClient;
      ja: Joined;
      jb: Joined;
    }> {
      const [a, b] = await clients(2);
      if (!a || !b) throw new Error('clients');
      const room = freshRoom();
      const ja = await joinRoom(a, room, 'alice');
      const jb = await joinRoom(b, room, 'bob');
      await a.expect(frame.joinedNotice(ja.roomRef, 'bob'));
      return { a, b, ja, jb };
    }

    describe('rules', () => {
      test('T1 echo: a CHAT reaches every member, the sender included', async () => {
        const [a, b, c] = await clients(3);
        if (!a || !b || !c) throw new Error('clients');
        const room = freshRoom();
        const ja = await joinRoom(a, room, 'alice');
        await joinRoom(b, room, 'bob');
        await a.expect(frame.joinedNotice(ja.roomRef, 'bob'));
        a.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'hi all'));
        for (const x of [a, b]) await x.expect(frame.chat(ja.roomRef, 'alice', 'hi all'));
        await c.expectNothing(); // not a member
      });

      test('T2 join order: JOINED_CHATROOM first, then the notice to every member', async () => {
        const [a, b] = await clients(2);
        if (!a || !b) throw new Error('clients');
        const room = freshRoom();
        const ja = await joinRoom(a, room, 'alice');
        b.send(request.join(room, 'bob'));
        await b.expect(frame.joined(room, portOf(b), ja.roomRef, ja.joinId + 1));
        await b.expect(frame.joinedNotice(ja.roomRef, 'bob'));
        await a.expect(frame.joinedNotice(ja.roomRef, 'bob'));
      });

      test('T2 joining while chats are in flight: JOINED, the join notice, then exactly the chats after it', async () => {
        const [a, b] = await clients(2);
        if (!a || !b) throw new Error('clients');
        const room = freshRoom();
        const ja = await joinRoom(a, room, 'alice');
        // alice keeps IN_FLIGHT chats unanswered all along (a new one as each echo arrives); bob
        // joins once BEFORE of them are echoed, so his JOIN races the chats in flight, and alice
        // chats on until AFTER more have followed his notice in her view.
        const IN_FLIGHT = 4;
        const BEFORE = 5;
        const AFTER = 5;
        const notice = frame.joinedNotice(ja.roomRef, 'bob');
        const view: string[] = []; // alice's chats and bob's notice, in the order alice got them
        let sent = 0;
        let echoed = 0;
        const say = (): void =>
          a.send(request.chat(ja.roomRef, ja.joinId, 'alice', `busy ${sent++}`));
        for (let i = 0; i < IN_FLIGHT; i++) say();
        while (echoed < sent) {
          const r: TcdReply = await a.nextReply();
          view.push(r.raw);
          const noticeAt = view.indexOf(notice);
          if (r.raw === notice) continue;
          assert.equal(
            r.raw,
            frame.chat(ja.roomRef, 'alice', `busy ${echoed}`),
            'T13: in send order',
          );
          echoed++;
          if (echoed === BEFORE) b.send(request.join(room, 'bob'));
          if (noticeAt === -1 || view.length - 1 - noticeAt < AFTER) say();
          assert.ok(sent < 10_000, "bob's join notice never reached alice");
        }
        const noticeAt = view.indexOf(notice);
        assert.ok(
          noticeAt >= BEFORE,
          `bob's notice after the chats echoed before he joined: ${noticeAt}`,
        );
        const after = view.slice(noticeAt + 1);
        assert.ok(after.length >= AFTER, 'chats followed the notice');
        const joined = await b.nextReply();
        assert.equal(
          joined.type,
          'joined',
          `JOINED_CHATROOM before anything else, got ${joined.raw}`,
        );
        if (joined.type !== 'joined') return;
        assert.equal(joined.raw, frame.joined(room, portOf(b), ja.roomRef, Number(joined.joinId)));
        // T2: then his own notice, then exactly the chats that follow it in alice's view (T13).
        await b.expect(notice + after.join(''));
        await b.expectNothing();
      });

      test('T3 leave order: LEFT first, the notice includes the leaver, then nothing more', async () => {
        const { a, b, ja, jb } = await aliceAndBob();
        b.send(request.leave(jb.roomRef, jb.joinId, 'bob'));
        await b.expect(frame.left(jb.roomRef, jb.joinId) + frame.leftNotice(jb.roomRef, 'bob'));
        await a.expect(frame.leftNotice(ja.roomRef, 'bob'));
        a.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'after'));
        await a.expect(frame.chat(ja.roomRef, 'alice', 'after'));
        await b.expectNothing();
      });

      test('T3 chats pipelined around a LEAVE: none of the room reaches the leaver after LEFT', async () => {
        const { a, b, ja, jb } = await aliceAndBob();
        b.send(
          request.chat(jb.roomRef, jb.joinId, 'bob', 'one') +
            request.leave(jb.roomRef, jb.joinId, 'bob') +
            request.chat(jb.roomRef, jb.joinId, 'bob', 'two'),
        );
        await b.expect(
          frame.chat(jb.roomRef, 'bob', 'one') +
            frame.left(jb.roomRef, jb.joinId) +
            frame.leftNotice(jb.roomRef, 'bob') +
            frame.error(5, `Not a member of that chat room: ROOM_REF ${jb.roomRef}`),
        );
        await a.expect(frame.chat(ja.roomRef, 'bob', 'one') + frame.leftNotice(ja.roomRef, 'bob'));
      });

      test('T4 repeated LEAVE: the same LEFT_CHATROOM, no notice, connection open', async () => {
        const { a, b, ja } = await aliceAndBob();
        a.send(request.leave(ja.roomRef, ja.joinId, 'alice'));
        await a.expect(frame.left(ja.roomRef, ja.joinId) + frame.leftNotice(ja.roomRef, 'alice'));
        await b.expect(frame.leftNotice(ja.roomRef, 'alice'));
        a.send(request.leave(ja.roomRef, ja.joinId, 'alice'));
        await a.expect(frame.left(ja.roomRef, ja.joinId));
        await b.expectNothing();
        a.send('HELO still here\n');
        await a.expect(frame.helo('still here', portOf(a)));
      });

      test('T5 repeated JOIN: same ids, no second notice, no duplicate deliveries', async () => {
        const [a] = await clients(1);
        if (!a) throw new Error('clients');
        const room = freshRoom();
        const ja = await joinRoom(a, room, 'alice');
        a.send(request.join(room, 'alice'));
        await a.expect(frame.joined(room, portOf(a), ja.roomRef, ja.joinId));
        a.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'once'));
        await a.expect(frame.chat(ja.roomRef, 'alice', 'once'));
        await a.expectNothing();
      });

      test('T6 DISCONNECT: notices in ascending ROOM_REF, then close, no other reply', async () => {
        const [a, b] = await clients(2);
        if (!a || !b) throw new Error('clients');
        const r1 = freshRoom();
        const r2 = freshRoom();
        const j1 = await joinRoom(a, r1, 'alice');
        const j2 = await joinRoom(b, r2, 'bob');
        // alice joins r2 second, so her rooms' refs ascend from r1 to r2 whatever order she uses.
        a.send(request.join(r2, 'alice'));
        await a.expect(
          frame.joined(r2, portOf(a), j2.roomRef, j1.joinId) +
            frame.joinedNotice(j2.roomRef, 'alice'),
        );
        await b.expect(frame.joinedNotice(j2.roomRef, 'alice'));
        a.send(request.disconnect('alice'));
        await a.expect(
          frame.leftNotice(j1.roomRef, 'alice') + frame.leftNotice(j2.roomRef, 'alice'),
        );
        await a.expectClosed();
        await b.expect(frame.leftNotice(j2.roomRef, 'alice'));
      });

      const drops = [
        ['just closes (FIN)', (c: WireClient) => c.socket.end()],
        ['is reset (RST)', (c: WireClient) => c.socket.resetAndDestroy()],
      ] as const;
      for (const [how, drop] of drops) {
        test(`T6 a connection that ${how} leaves its rooms with notices`, async () => {
          const { a, b, ja } = await aliceAndBob();
          drop(a);
          await b.expect(frame.leftNotice(ja.roomRef, 'alice'));
        });
      }

      test('T7 identifiers: ROOM_REF stable per name, JOIN_ID per connection and never reused', async () => {
        const [a, b] = await clients(2);
        if (!a || !b) throw new Error('clients');
        const r1 = freshRoom();
        const r2 = freshRoom();
        const a1 = await joinRoom(a, r1, 'alice');
        const a2 = await joinRoom(a, r2, 'alice');
        assert.equal(a1.joinId, a2.joinId);
        assert.notEqual(a1.roomRef, a2.roomRef);
        const r3 = freshRoom();
        const b3 = await joinRoom(b, r3, 'bob');
        assert.notEqual(b3.roomRef, a1.roomRef, 'another name never gets a ref in use');
        a.send(request.disconnect('alice'));
        await a.expectClosed();
        // r1 emptied and may be forgotten (T7): joined again, it gets a ref, never one another
        // name has had, and a new room after it does not get the forgotten ref either.
        const b1 = await joinRoom(b, r1, 'alice');
        assert.ok(![a2.roomRef, b3.roomRef].includes(b1.roomRef), 'not a ref of another name');
        const b4 = await joinRoom(b, freshRoom(), 'bob');
        assert.ok(
          ![a1.roomRef, a2.roomRef].includes(b4.roomRef),
          'a forgotten ref is never reused',
        );
        assert.ok(b1.joinId > a1.joinId, 'a new connection never gets an old JOIN_ID');
      });

      test('T7 identifiers on the wire: non-negative decimal integers, written the same everywhere', async () => {
        const [a] = await clients(1);
        if (!a) throw new Error('clients');
        const room = freshRoom();
        a.send(request.join(room, 'alice'));
        const joined = await a.nextReply();
        assert.equal(joined.type, 'joined');
        if (joined.type !== 'joined') return;
        // Decimal digits only, no sign, no leading zero, no fraction or exponent: what Number()
        // would accept ('+1', '01', '1.0', '1e0') is not what a client may be sent.
        const decimal = /^(0|[1-9][0-9]*)$/;
        assert.match(joined.roomRef, decimal, 'ROOM_REF');
        assert.match(joined.joinId, decimal, 'JOIN_ID');
        const { roomRef, joinId } = joined;
        // The same text in the join notice, in LEFT_CHATROOM and in the leave notice.
        await a.expect(
          `CHAT: ${roomRef}\nCLIENT_NAME: alice\nMESSAGE: alice has joined this chatroom.\n\n`,
        );
        a.send(request.leave(roomRef, joinId, 'alice'));
        await a.expect(
          `LEFT_CHATROOM: ${roomRef}\nJOIN_ID: ${joinId}\n` +
            `CHAT: ${roomRef}\nCLIENT_NAME: alice\nMESSAGE: alice has left this chatroom.\n\n`,
        );
      });

      test("T8 ownership: CHAT and LEAVE with another connection's JOIN_ID are refused", async () => {
        const { a, b, ja, jb } = await aliceAndBob();
        b.send(request.chat(ja.roomRef, ja.joinId, 'alice', 'impostor'));
        await b.expect(
          frame.error(4, `JOIN_ID belongs to another connection: JOIN_ID ${ja.joinId}`),
        );
        b.send(request.leave(ja.roomRef, ja.joinId, 'alice'));
        await b.expect(
          frame.error(4, `JOIN_ID belongs to another connection: JOIN_ID ${ja.joinId}`),
        );
        await a.expectNothing();
        b.send(request.chat(jb.roomRef, jb.joinId, 'bob', 'legit'));
        for (const x of [a, b]) await x.expect(frame.chat(jb.roomRef, 'bob', 'legit'));
      });

      test('T8 two connections with the same CLIENT_NAME are routed separately', async () => {
        const [a, b, c] = await clients(3);
        if (!a || !b || !c) throw new Error('clients');
        const r1 = freshRoom();
        const r2 = freshRoom();
        const ja = await joinRoom(a, r1, 'sam');
        const jb = await joinRoom(b, r2, 'sam');
        assert.notEqual(ja.joinId, jb.joinId);
        const jc = await joinRoom(c, r1, 'carol');
        await a.expect(frame.joinedNotice(ja.roomRef, 'carol'));
        c.send(request.chat(jc.roomRef, jc.joinId, 'carol', 'to r1'));
        for (const x of [a, c]) await x.expect(frame.chat(jc.roomRef, 'carol', 'to r1'));
        await b.expectNothing();
        b.send(request.chat(jb.roomRef, jb.joinId, 'sam', 'only r2'));
        await b.expect(frame.chat(jb.roomRef, 'sam', 'only r2'));
        await a.expectNothing();
        b.send(request.leave(jb.roomRef, jb.joinId, 'sam'));
        await b.expect(frame.left(jb.roomRef, jb.joinId) + frame.leftNotice(jb.roomRef, 'sam'));
        a.send(request.chat(ja.roomRef, ja.joinId, 'sam', 'still in r1'));
        await a.expect(frame.chat(ja.roomRef, 'sam', 'still in r1'));
      });

      test('T9 HELO: text, the address reached, the listen port, the configured id', async () => {
        const [a] = await clients(1);
        if (!a) throw new Error('clients');
        a.send('HELO  spaced  text\n');
        await a.expect(`HELO  spaced  text\nIP:127.0.0.1\nPort:${portOf(a)}\nStudentID:test-id\n`);
      });

      test('T10 output format: KEY: value, CHAT ends with a blank line, others with one newline', async () => {
        const [a] = await clients(1);
        if (!a) throw new Error('clients');
        const room = freshRoom();
        a.send(request.join(room, 'alice'));
        const joined = await a.nextReply();
        assert.match(
          joined.raw,
          /^JOINED_CHATROOM: \S+\nSERVER_IP: \S+\nPORT: \d+\nROOM_REF: \d+\nJOIN_ID: \d+\n$/,
        );
        const notice = await a.nextReply();
        assert.match(
          notice.raw,
          /^CHAT: \d+\nCLIENT_NAME: alice\nMESSAGE: alice has joined this chatroom\.\n\n$/,
        );
        a.send('NOPE\n');
        const err = await a.nextReply();
        assert.match(err.raw, /^ERROR_CODE: \d+\nERROR_DESCRIPTION: [^\n]+\n$/);
      });

      test('T11 tolerant input: KEY:value, CRLF, keys in any order, split and pipelined', async () => {
        const [a] = await clients(1);
        if (!a) throw new Error('clients');
        const room = freshRoom();
        await a.sendByteByByte(
          `JOIN_CHATROOM:${room}\r\nCLIENT_NAME:alice\r\nPORT:0\r\nCLIENT_IP:0\r\n`,
        );
        const joined = await a.nextReply();
        assert.equal(joined.type, 'joined');
        if (joined.type !== 'joined') return;
        await a.expect(frame.joinedNotice(Number(joined.roomRef), 'alice'));
        const ref = joined.roomRef;
        const id = joined.joinId;
        a.send(
          `CHAT:${ref}\r\nJOIN_ID:${id}\r\nCLIENT_NAME:alice\r\nMESSAGE:a\r\n\r\nCHAT: ${ref}\nJOIN_ID: ${id}\nCLIENT_NAME: alice\nMESSAGE: b\n\n`,
        );
        await a.expect(
          frame.chat(Number(ref), 'alice', 'a') + frame.chat(Number(ref), 'alice', 'b'),
        );
      });

      test('T11 a JOIN missing its final newline is served once the client goes quiet', async () => {
        const [a] = await clients(1);
        if (!a) throw new Error('clients');
        const room = freshRoom();
        a.send(`JOIN_CHATROOM: ${room}\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: alice`);
        const joined = await a.nextReply();
        assert.equal(joined.type, 'joined');
      });

      test('T12 errors keep the connection usable', async () => {
        const [a] = await clients(1);
        if (!a) throw new Error('clients');
        a.send('GARBAGE\n');
        await a.expect(frame.error(1, "Invalid message format: unknown request 'GARBAGE'"));
        a.send('HELO ok\n');
        await a.expect(frame.helo('ok', portOf(a)));
      });

      test("T13 order: every member sees the room's events in one order, each sender's in send order", async () => {
        const cs = await clients(4);
        const room = freshRoom();
        const ids = [];
        for (const [i, c] of cs.entries()) ids.push(await joinRoom(c, room, `u${i}`));
        // Drain join notices of later joiners.
        for (const [i, c] of cs.entries()) {
          for (let j = i + 1; j < cs.length; j++)
            await c.expect(frame.joinedNotice(ids[0]?.roomRef ?? 0, `u${j}`));
        }
        const perSender = 25;
        for (let k = 0; k < perSender; k++) {
          for (const [i, c] of cs.entries()) {
            const id = ids[i];
            if (id) c.send(request.chat(id.roomRef, id.joinId, `u${i}`, `${k}`));
          }
        }
        const seen: string[][] = [];
        for (const c of cs) {
          const got: string[] = [];
          for (let n = 0; n < perSender * cs.length; n++) {
            const r = await c.nextReply();
            if (r.type === 'chat') got.push(`${r.clientName}:${r.message}`);
          }
          seen.push(got);
        }
        for (const got of seen) assert.deepEqual(got, seen[0], 'same order at every member');
        for (let i = 0; i < cs.length; i++) {
          const mine = (seen[0] ?? [])
            .filter((s) => s.startsWith(`u${i}:`))
            .map((s) => Number(s.split(':')[1]));
          assert.deepEqual(
            mine,
            Array.from({ length: perSender }, (_, k) => k),
            `u${i} in send order`,
          );
        }
      });
    });
  });
