/**
 * T14: KILL_SERVICE, a line of its own on any connection (here one that is in a room), stops
 * the service: no reply, every connection closed, and the port stops accepting. Run last, as it
 * ends the server; `--skip-kill` leaves it out.
 */
import net from 'node:net';
import type { CheckContext } from '../context.js';
import { describeReply } from '../describe.js';
import { mismatch } from '../expect.js';
import type { Check } from '../types.js';

async function kill(ctx: CheckContext): Promise<void> {
  const { timeoutMs } = ctx.settings;
  const m = await ctx.join(await ctx.probe('killer'), ctx.room(), 'killer');
  const other = await ctx.probe('bystander');
  m.p.send('KILL_SERVICE\n');
  for (const p of [m.p, other]) {
    const before = await p.expectClosed('the connection closed by KILL_SERVICE', timeoutMs * 2);
    const error = before.find((r) => r.type === 'error');
    if (error !== undefined) mismatch(p, 'no reply to KILL_SERVICE', describeReply(error));
  }
  const deadline = Date.now() + timeoutMs * 2;
  while (await accepts(ctx.settings.host, ctx.settings.port, timeoutMs)) {
    if (Date.now() > deadline)
      mismatch(m.p, 'the server to stop accepting connections', 'it still accepts them');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True if a connection is accepted (and then closed at once). */
function accepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const killChecks: readonly Check[] = [
  { id: 'T14', title: 'KILL_SERVICE stops the server', group: 'kill', run: kill },
];
