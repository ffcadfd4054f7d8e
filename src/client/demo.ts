/**
 * The 000 seed's demo client, redone: runs the common requests once against a server and
 * prints each request and every reply (`C:` and `S:` lines, as PROTOCOL.md writes them).
 * HELO, JOIN, CHAT, LEAVE, a repeated LEAVE (T4), JOIN again, then DISCONNECT (T6).
 */
import { randomBytes } from 'node:crypto';
import { request } from '../protocol/tcd-request-text.js';
import type { TcdReply } from '../protocol/tcd-reply.js';
import { TcdSocket, type Endpoint } from './tcd-socket.js';

export interface DemoOptions {
  readonly endpoint: Endpoint;
  readonly name: string;
  readonly timeoutMs: number;
  readonly write: (text: string) => void;
}

interface Step {
  readonly title: string;
  readonly wire: () => string;
  /** How many replies complete the step; `close` waits for the server to close instead. */
  readonly replies: number | 'close';
}

/** Returns true when every step got its replies and none was an ERROR_CODE. */
export async function runDemo(o: DemoOptions): Promise<boolean> {
  const room = `demo-${randomBytes(3).toString('hex')}`;
  const socket = await TcdSocket.connect(o.endpoint, o.timeoutMs);
  const inbox: TcdReply[] = [];
  let wake: (() => void) | undefined;
  socket.on('reply', (r) => {
    inbox.push(r);
    wake?.();
  });
  socket.on('close', () => wake?.());
  let ref = '';
  let joinId = '';
  const steps: Step[] = [
    { title: 'HELO', wire: () => request.helo('demo'), replies: 1 },
    { title: 'JOIN_CHATROOM', wire: () => request.join(room, o.name), replies: 2 },
    {
      title: 'CHAT',
      wire: () => request.chat(ref, joinId, o.name, 'hello from the demo'),
      replies: 1,
    },
    { title: 'LEAVE_CHATROOM', wire: () => request.leave(ref, joinId, o.name), replies: 2 },
    {
      title: 'LEAVE_CHATROOM again (T4)',
      wire: () => request.leave(ref, joinId, o.name),
      replies: 1,
    },
    { title: 'JOIN_CHATROOM again', wire: () => request.join(room, o.name), replies: 2 },
    { title: 'DISCONNECT', wire: () => request.disconnect(o.name), replies: 'close' },
  ];
  o.write(`roomcast demo against ${o.endpoint.host}:${o.endpoint.port}, room ${room}\n`);
  let ok = true;
  try {
    for (const step of steps) {
      const wire = step.wire();
      o.write(`\n-- ${step.title}\n${prefix('C: ', wire)}`);
      socket.write(wire);
      const deadline = Date.now() + o.timeoutMs;
      let got = 0;
      for (;;) {
        const reply = inbox.shift();
        if (reply !== undefined) {
          got++;
          o.write(prefix('S: ', reply.raw));
          if (reply.type === 'joined') ({ roomRef: ref, joinId } = reply);
          if (reply.type === 'error') ok = false;
          continue;
        }
        if (step.replies === 'close' ? socket.closed : got >= step.replies) break;
        if (socket.closed) {
          o.write('(connection closed by the server)\n');
          return false;
        }
        if (!(await waitFor(deadline, (w) => (wake = w)))) {
          o.write(`(no ${got === 0 ? 'reply' : 'further reply'} within ${o.timeoutMs} ms)\n`);
          return false;
        }
      }
    }
    o.write('\n(connection closed by the server)\n');
    return ok;
  } finally {
    socket.destroy();
  }
}

/** Waits for the next wake-up or the deadline; false when the deadline passed. */
function waitFor(deadline: number, register: (wake: () => void) => void): Promise<boolean> {
  const left = deadline - Date.now();
  if (left <= 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), left);
    register(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Each line of `text` with `tag` in front; a CHAT's closing blank line shows as a bare tag. */
function prefix(tag: string, text: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `${tag}${line}`.trimEnd())
    .join('\n')
    .concat('\n');
}
