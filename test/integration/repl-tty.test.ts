/**
 * `roomcast client` on a real terminal (a tmux pane): what the user sees. Incoming messages
 * appear above the prompt and never garble it: a half-typed line survives them. Skipped only
 * when tmux is not installed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { RoomcastClient } from '../../src/client/client.js';
import type { ClientEvent } from '../../src/client/types.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

const tmuxPath = ['/usr/bin/tmux', '/usr/local/bin/tmux'].find((p) => existsSync(p));
// A private tmux server (-L) so no one's own tmux sessions are touched, killed at the end.
const socketName = `roomcast-test-${randomBytes(4).toString('hex')}`;
const session = 'client';

function tmux(...args: string[]): string {
  return execFileSync(tmuxPath ?? 'tmux', ['-L', socketName, ...args], {
    encoding: 'utf8',
    timeout: 5000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
}

/** The pane's visible lines, trailing blank ones dropped. */
function screen(): string[] {
  const lines = tmux('capture-pane', '-p', '-t', session).split('\n');
  while (lines.length > 0 && lines.at(-1)?.trim() === '') lines.pop();
  return lines;
}

/** Until the screen shows what `ok` accepts; returns those lines. */
async function waitForScreen(ok: (lines: string[]) => boolean, what: string): Promise<string[]> {
  let lines: string[] = [];
  await waitUntil(
    () => ok((lines = screen())),
    () => `${what}; the screen shows:\n${lines.join('\n')}`,
    { timeoutMs: 8000, everyMs: 50 },
  );
  return lines;
}

let srv: TestServer;
before(async () => {
  srv = await startServer();
});
after(async () => {
  if (tmuxPath !== undefined) {
    try {
      tmux('kill-server');
    } catch {
      // already gone: the client exited and the session with it
    }
  }
  await srv.close();
});

test(
  'interactive session in a terminal: prompt, incoming chats, half-typed input kept',
  { skip: tmuxPath === undefined ? 'tmux not installed' : false },
  async () => {
    const command = `node --import tsx src/cli/main.ts client --host 127.0.0.1 --port ${srv.port} --name alice`;
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', '-c', process.cwd(), command);
    await waitForScreen(
      (l) =>
        l.includes(`connected to 127.0.0.1:${srv.port} as alice; type help for commands`) &&
        l.at(-1) === '>',
      'the greeting and prompt',
    );

    tmux('send-keys', '-t', session, 'join tty-room', 'Enter');
    await waitForScreen((l) => l.at(-1) === 'tty-room>', 'the prompt naming the current room');

    const bob = await RoomcastClient.connect({ host: '127.0.0.1', port: srv.port, name: 'bob' });
    const heard: ClientEvent[] = [];
    bob.subscribe((e) => heard.push(e));
    await bob.join('tty-room');

    tmux('send-keys', '-t', session, '-l', 'half typ'); // typed, not yet sent
    await waitForScreen((l) => l.at(-1) === 'tty-room> half typ', 'the half-typed text');
    await bob.chat('tty-room', 'hi alice\nhow are you?');
    const lines = await waitForScreen(
      (l) => l.includes('                how are you?'),
      'the multi-line chat',
    );
    const ref = bob.roomInfo('tty-room')?.roomRef ?? '?';
    assert.match(
      lines.at(-6) ?? '',
      new RegExp(
        `^joined tty-room \\(ROOM_REF ${ref}, JOIN_ID \\d+, 127\\.0\\.0\\.1:${srv.port}\\)$`,
      ),
    );
    assert.deepEqual(lines.slice(-5), [
      '[tty-room] alice has joined this chatroom.',
      '[tty-room] bob has joined this chatroom.',
      '[tty-room] bob: hi alice',
      '                how are you?',
      'tty-room> half typ', // the prompt and the typing survived the incoming messages
    ]);

    tmux('send-keys', '-t', session, '-l', 'ed');
    tmux('send-keys', '-t', session, 'Enter');
    await waitForScreen(
      (l) => l.includes('[tty-room] alice: half typed') && l.at(-1) === 'tty-room>',
      'the sent message echoed',
    );

    tmux('send-keys', '-t', session, 'send nowhere x', 'Enter');
    await waitForScreen(
      (l) => l.includes("error: not in room 'nowhere'") && l.at(-1) === 'tty-room>',
      'a local error, session kept',
    );

    tmux('send-keys', '-t', session, 'quit', 'Enter');
    await waitUntil(
      () => heard.some((e) => e.type === 'chat' && e.message === 'alice has left this chatroom.'),
      'alice to leave on quit',
      { timeoutMs: 8000 },
    );
    assert.ok(
      heard.some((e) => e.type === 'chat' && e.from === 'alice' && e.message === 'half typed'),
    );
    bob.close();
  },
);
