/**
 * The course test service's scenario, byte for byte: HELO BASE_TEST, client1..client4 across
 * room1 and room2, join notices, chats, a leave and a repeated leave, disconnect notices.
 * `connect` opens one client however the test reaches the server (plain TCP, TLS); `port` is
 * the port those clients reach, which HELO and JOINED_CHATROOM name (T9).
 */
import { request } from '../../src/protocol/tcd-request-text.js';
import { frame } from './frames.js';
import type { WireClient } from './wire-client.js';

export async function courseScenario(
  connect: () => Promise<WireClient>,
  port: number,
): Promise<void> {
  const [c1, c2, c3, c4] = await Promise.all([1, 2, 3, 4].map(() => connect()));
  if (!c1 || !c2 || !c3 || !c4) throw new Error('connect failed');

  c1.send('HELO BASE_TEST\n');
  await c1.expect(frame.helo('BASE_TEST', port));

  c1.send(request.join('room1', 'client1'));
  await c1.expect(frame.joined('room1', port, 1, 1) + frame.joinedNotice(1, 'client1'));

  c2.send(request.join('room1', 'client2'));
  await c2.expect(frame.joined('room1', port, 1, 2) + frame.joinedNotice(1, 'client2'));
  await c1.expect(frame.joinedNotice(1, 'client2'));

  c3.send(request.join('room2', 'client3'));
  await c3.expect(frame.joined('room2', port, 2, 3) + frame.joinedNotice(2, 'client3'));
  c4.send(request.join('room2', 'client4'));
  await c4.expect(frame.joined('room2', port, 2, 4) + frame.joinedNotice(2, 'client4'));
  await c3.expect(frame.joinedNotice(2, 'client4'));

  // One connection in two rooms keeps its JOIN_ID (T7).
  c1.send(request.join('room2', 'client1'));
  await c1.expect(frame.joined('room2', port, 2, 1) + frame.joinedNotice(2, 'client1'));
  for (const c of [c3, c4]) await c.expect(frame.joinedNotice(2, 'client1'));

  c1.send(request.chat(1, 1, 'client1', 'hello world from client 1'));
  for (const c of [c1, c2]) await c.expect(frame.chat(1, 'client1', 'hello world from client 1'));

  c3.send(request.chat(2, 3, 'client3', 'hello world from client 3'));
  for (const c of [c1, c3, c4])
    await c.expect(frame.chat(2, 'client3', 'hello world from client 3'));

  c2.send(request.leave(1, 2, 'client2'));
  await c2.expect(frame.left(1, 2) + frame.leftNotice(1, 'client2'));
  await c1.expect(frame.leftNotice(1, 'client2'));

  c2.send(request.leave(1, 2, 'client2'));
  await c2.expect(frame.left(1, 2));

  c1.send(request.chat(1, 1, 'client1', 'after the leave'));
  await c1.expect(frame.chat(1, 'client1', 'after the leave'));

  c1.send(request.disconnect('client1'));
  await c1.expect(frame.leftNotice(1, 'client1') + frame.leftNotice(2, 'client1'));
  await c1.expectClosed();
  for (const c of [c3, c4]) await c.expect(frame.leftNotice(2, 'client1'));

  for (const c of [c2, c3, c4]) await c.expectNothing();
  for (const c of [c2, c3, c4]) c.close();
}
