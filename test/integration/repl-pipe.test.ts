/**
 * `roomcast client` with commands piped in (no terminal): what a script sees on stdout and
 * stderr, and the exit status (PROTOCOL.md errors: a join error ends the session).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { RoomcastClient } from '../../src/client/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const children = new Set<ChildProcessWithoutNullStreams>();
before(async () => {
  srv = await startServer();
});
after(async () => {
  for (const c of children) c.kill();
  await srv.close();
});

interface Session {
  readonly child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  readonly exit: Promise<number>;
  /** Waits until stdout (or stderr) contains `text`. */
  waitFor(text: string, stream?: 'stdout' | 'stderr'): Promise<void>;
}

function startClient(name: string, port = srv.port): Session {
  const args = [
    '--import',
    'tsx',
    'src/cli/main.ts',
    'client',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--name',
    name,
    '--timeout',
    '2000',
  ];
  const child = spawn('node', args, { stdio: 'pipe' });
  children.add(child);
  const timer = setTimeout(() => child.kill(), 15_000); // a hung client fails the test, never hangs it
  const session: Session = {
    child,
    stdout: '',
    stderr: '',
    exit: new Promise((resolve) =>
      child.on('exit', (code) => {
        clearTimeout(timer);
        children.delete(child);
        resolve(code ?? -1);
      }),
    ),
    waitFor: (text, stream = 'stdout') =>
      new Promise((resolve, reject) => {
        const give = setTimeout(
          () =>
            reject(
              new Error(
                `no ${JSON.stringify(text)} in ${stream}: ${JSON.stringify(session[stream])}`,
              ),
            ),
          8000,
        );
        const look = (): void => {
          if (!session[stream].includes(text)) return;
          clearTimeout(give);
          resolve();
        };
        child[stream].on('data', look);
        look();
      }),
  };
  child.stdout.on('data', (d: Buffer) => (session.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (session.stderr += d.toString()));
  return session;
}

function idOf(stdout: string): string {
  return /JOIN_ID (\d+)/.exec(stdout)?.[1] ?? '?';
}

// Each test has its own client process and rooms: they run side by side.
describe('roomcast client, commands piped in', { concurrency: true }, () => {
  test('a piped session: commands run in order, chats print with room and sender', async () => {
    const s = startClient('alice');
    s.child.stdin.write('join pipe-room\n');
    await s.waitFor('[pipe-room] alice has joined this chatroom.');
    const bob = await RoomcastClient.connect({ host: '127.0.0.1', port: srv.port, name: 'bob' });
    await bob.join('pipe-room');
    await bob.chat('pipe-room', 'hi alice\nsecond line');
    await s.waitFor('second line');
    const heard: string[] = [];
    bob.subscribe((e) => e.type === 'chat' && e.from === 'alice' && heard.push(e.message));
    s.child.stdin.end('hello bob\nsend pipe-room two\\\nlines\nrooms\nleave pipe-room\n');
    assert.equal(await s.exit, 0);
    const port = srv.port;
    assert.equal(
      s.stdout,
      [
        `joined pipe-room (ROOM_REF ${bob.roomInfo('pipe-room')?.roomRef}, JOIN_ID ${idOf(s.stdout)}, 127.0.0.1:${port})`,
        '[pipe-room] alice has joined this chatroom.',
        '[pipe-room] bob has joined this chatroom.',
        '[pipe-room] bob: hi alice',
        '                 second line',
        '[pipe-room] alice: hello bob',
        '[pipe-room] alice: two',
        '                   lines',
        `* pipe-room (ROOM_REF ${bob.roomInfo('pipe-room')?.roomRef}, JOIN_ID ${idOf(s.stdout)}, 127.0.0.1:${port})`,
        'left pipe-room',
        '[pipe-room] alice has left this chatroom.',
        '',
      ].join('\n'),
    );
    assert.equal(s.stderr, '');
    assert.deepEqual(heard, ['hello bob', 'two\nlines', 'alice has left this chatroom.']);
    bob.close();
  });

  test('an error to a join ends the session with status 1; later commands are not run', async () => {
    const s = startClient('carol');
    s.child.stdin.end(`join ${'r'.repeat(300)}\njoin never-reached\n`);
    assert.equal(await s.exit, 1);
    assert.equal(s.stderr, 'error 10: Invalid name: room name over 256 bytes\n');
    assert.equal(s.stdout, '');
  });

  test('other errors are printed and the session goes on; a piped session then exits 1', async () => {
    const s = startClient('dave');
    s.child.stdin.end('hello?\nsend nowhere hi\nfrobnicate\njoin pipe-errors\nleave pipe-errors\n');
    assert.equal(await s.exit, 1);
    assert.equal(
      s.stderr,
      "not in a room: join ROOM first\nerror: not in room 'nowhere'\nnot in a room: join ROOM first\n",
    );
    assert.match(
      s.stdout,
      /^joined pipe-errors .*\n\[pipe-errors\] dave has joined this chatroom\.\nleft pipe-errors\n/,
    );
  });

  test('the server going away ends the session with status 1', async () => {
    const other = await startServer();
    const s = startClient('erin', other.port);
    s.child.stdin.write('join pipe-gone\n');
    await s.waitFor('joined pipe-gone');
    await other.close();
    assert.equal(await s.exit, 1);
    assert.match(s.stderr, /connection to 127\.0\.0\.1:\d+ closed by the server\n/);
    s.child.stdin.destroy();
  });

  test('no server: a message and status 1', async () => {
    const s = startClient('fay', 1);
    assert.equal(await s.exit, 1);
    assert.match(s.stderr, /^roomcast: cannot connect to 127\.0\.0\.1:1: ECONNREFUSED\n$/);
  });
});
