/**
 * `roomcast dm` as a real process with stdin piped, as a script would run it (seed 004's
 * client): refusals before connecting, sends with their confirmations and errors, incoming
 * messages printed as `sender: text`, and exit once input ends and replies are in.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  registerUser,
  startDirectServer,
  withBody,
  type DirectTestServer,
} from '../helpers/direct-server.js';
import { waitUntil } from '../helpers/wait.js';

interface DmProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout contains `text`. */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

const children: ChildProcessWithoutNullStreams[] = [];

function spawnDm(args: readonly string[]): DmProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'dm', ...args]);
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const guard = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitFor: (text, timeoutMs = 5000) => {
      const shown = (): string =>
        `${JSON.stringify(text)} in stdout ${JSON.stringify(out)}; stderr ${err}`;
      return waitUntil(
        () => {
          if (out.includes(text)) return true;
          if (child.exitCode !== null)
            throw new Error(`exited ${child.exitCode} without ${shown()}`);
          return false;
        },
        shown,
        { timeoutMs },
      );
    },
  };
}

let srv: DirectTestServer;
before(async () => {
  srv = await startDirectServer({ tuning: { ackTimeoutMs: 300 } });
});
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await srv.close();
});

describe('roomcast dm', () => {
  test('refuses ALL and non-alphanumeric names before connecting', async () => {
    const runs = ['ALL', 'bad-name'].map((name) => {
      const p = spawnDm(['--port', String(srv.port), '--name', name]);
      p.child.stdin.end();
      return p;
    });
    for (const p of runs) {
      assert.equal(await p.exited, 2, p.stderr());
      assert.match(p.stderr(), /reserved|not a username/);
    }
    assert.equal(srv.direct.connectionCount, 0);
  });

  test('piped input: sends, confirmations and errors, then exits after the last reply', async () => {
    const bob = await registerUser(srv.port, 'bob');
    const dm = spawnDm(['--port', String(srv.port), '--name', 'alice']);
    dm.child.stdin.end('@bob: hello bob ✓\n\n@ALL: hi all\n@nobody: anyone\nno at sign\n');
    await bob.recv.expect(withBody('FORWARD alice', 'hello bob ✓'), 5000);
    bob.recv.send('RECEIVED alice\n\n');
    await bob.recv.expect(withBody('FORWARD alice', 'hi all'));
    bob.recv.send('RECEIVED alice\n\n');
    assert.equal(await dm.exited, 1, dm.stderr()); // one undeliverable, one malformed line
    assert.equal(dm.stdout(), 'delivered to bob\ndelivered to ALL\n');
    assert.match(dm.stderr(), /not delivered to nobody: ERROR 102 Unable to send/);
    assert.match(dm.stderr(), /a message starts with @/);
    await bob.expectNothing('send');
    bob.close();
  });

  test('incoming messages print as sender: text, and a clean run exits 0', async () => {
    const dave = await registerUser(srv.port, 'dave');
    const carol = spawnDm(['--port', String(srv.port), '--name', 'carol']);
    await waitRegistered('carol');
    dave.send.send(withBody('SEND carol', 'two\nlines ünïcode'));
    await carol.waitFor('dave: two\nlines ünïcode\n');
    await dave.send.expect('SEND carol\n\n'); // the client acknowledged with RECEIVED
    carol.child.stdin.end('@dave: bye\n');
    await dave.recv.expect(withBody('FORWARD carol', 'bye'), 5000);
    dave.recv.send('RECEIVED carol\n\n');
    assert.equal(await carol.exited, 0, carol.stderr());
    assert.match(carol.stdout(), /delivered to dave\n$/);
    dave.close();
  });

  test('an unreadable FORWARD is refused with ERROR 103 Header Incomplete (C3, capital I)', async () => {
    const server = await standIn('FORWARD eve\n\n'); // no Content-length
    try {
      const dm = spawnDm(['--port', String(server.port), '--name', 'frank']);
      await waitUntil(() => server.answers.length > 0, 'the client to answer the FORWARD');
      // Exactly seed 004's text, which its client compares; nothing printed for it.
      assert.deepEqual(server.answers, ['ERROR 103 Header Incomplete\n\n']);
      dm.child.stdin.end();
      assert.equal(await dm.exited, 0, dm.stderr());
      assert.equal(dm.stdout(), '');
    } finally {
      await server.close();
    }
  });

  test('a FORWARD in the same segment as REGISTERED is acknowledged and printed', async () => {
    const server = await standIn(withBody('FORWARD eve', 'early bird').toString());
    try {
      const dm = spawnDm(['--port', String(server.port), '--name', 'gina']);
      await dm.waitFor('eve: early bird\n');
      await waitUntil(() => server.answers.length > 0, 'the RECEIVED');
      assert.deepEqual(server.answers, ['RECEIVED eve\n\n']);
      dm.child.stdin.end();
      assert.equal(await dm.exited, 0, dm.stderr());
    } finally {
      await server.close();
    }
  });

  test('a name in use: the server refuses it and the client exits non-zero', async () => {
    const erin = await registerUser(srv.port, 'erin');
    const dm = spawnDm(['--port', String(srv.port), '--name', 'erin']);
    dm.child.stdin.end();
    assert.equal(await dm.exited, 1);
    assert.match(dm.stderr(), /ERROR 100 Malformed username/);
    erin.close();
  });
});

/** Until the user has both connections registered (the client's second REGISTER answered). */
function waitRegistered(name: string): Promise<void> {
  return waitUntil(
    () => srv.direct.registry.get(name)?.inbox !== undefined,
    `${name} to register both connections`,
  );
}

/**
 * A stand-in COL334 server for what roomcast's never sends: it answers both registrations,
 * then writes the receive connection `forward`, and records every later message it is sent.
 */
async function standIn(forward: string): Promise<{
  port: number;
  answers: string[];
  close(): Promise<void>;
}> {
  const answers: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      for (let end = pending.indexOf('\n\n'); end !== -1; end = pending.indexOf('\n\n')) {
        const message = pending.slice(0, end + 2);
        pending = pending.slice(end + 2);
        const reg = /^REGISTER (TOSEND|TORECV) (\w+)\n\n$/.exec(message);
        if (reg === null) answers.push(message);
        else
          socket.write(
            `REGISTERED ${reg[1] ?? ''} ${reg[2] ?? ''}\n\n${reg[1] === 'TORECV' ? forward : ''}`,
          );
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
