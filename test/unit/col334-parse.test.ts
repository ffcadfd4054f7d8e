/**
 * The COL334 grammar (PROTOCOL.md Part 2) from a table of vectors, each fed whole, one byte
 * at a time and in chunks of 7: frames may be split anywhere, UTF-8 mid-character and bodies
 * across chunks included (C1).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Col334Framer, type Col334Frame } from '../../src/protocol/col334-framer.js';
import { classifyReply, type Col334Reply } from '../../src/protocol/col334-reply.js';
import { classifyRequest, type Col334Request } from '../../src/protocol/col334-request.js';
import { col334Reply, col334Request } from '../../src/protocol/col334-serialize.js';

const limits = { maxHeaderBytes: 256, maxBodyBytes: 64 };
const maxNameBytes = 16;

/** Bodies as text and failures by code, so vectors stay readable. */
function normalise(r: Col334Request | Col334Reply): unknown {
  if (r.type === 'failure') return { type: 'failure', code: r.code, fatal: r.fatal };
  if ('body' in r) return { ...r, body: r.body.toString('utf8') };
  return r;
}

function feed<R extends Col334Request | Col334Reply>(
  input: Buffer,
  chunkSize: number,
  classify: (f: Col334Frame) => R,
): unknown[] {
  const framer = new Col334Framer(limits);
  const out: unknown[] = [];
  for (let i = 0; i < input.length; i += chunkSize) {
    for (const frame of framer.push(input.subarray(i, i + chunkSize))) {
      out.push(normalise(classify(frame)));
    }
  }
  return out;
}

interface Vector {
  readonly name: string;
  readonly input: string | Buffer;
  readonly expect: readonly unknown[];
}

const reg = (role: string, name: string) => ({ type: 'register', role, name });
const send = (to: string, body: string) => ({ type: 'send', to, body });
const fail = (code: number) => ({ type: 'failure', code, fatal: code === 103 });
const utf8 = 'héllo ✓ 🙂';

const requestVectors: readonly Vector[] = [
  { name: 'REGISTER TOSEND', input: 'REGISTER TOSEND alice\n\n', expect: [reg('TOSEND', 'alice')] },
  {
    name: 'REGISTER TORECV, CRLF',
    input: 'REGISTER TORECV Bob42\r\n\r\n',
    expect: [reg('TORECV', 'Bob42')],
  },
  { name: 'username with a space: 100', input: 'REGISTER TOSEND ali ce\n\n', expect: [fail(100)] },
  { name: 'username ALL is reserved: 100', input: 'REGISTER TORECV ALL\n\n', expect: [fail(100)] },
  { name: 'no username: 100', input: 'REGISTER TOSEND\n\n', expect: [fail(100)] },
  { name: 'non-ASCII username: 100', input: 'REGISTER TOSEND élan\n\n', expect: [fail(100)] },
  { name: 'punctuation in username: 100', input: 'REGISTER TOSEND a_b\n\n', expect: [fail(100)] },
  {
    name: 'username over the limit: 100',
    input: `REGISTER TOSEND ${'a'.repeat(17)}\n\n`,
    expect: [fail(100)],
  },
  {
    name: 'unknown role',
    input: 'REGISTER TOSHOUT bob\n\n',
    expect: [{ type: 'other', line: 'REGISTER TOSHOUT bob' }],
  },
  {
    name: 'REGISTER with extra header lines (ignored)',
    input: 'REGISTER TORECV bob\nKey: 1\n\n',
    expect: [reg('TORECV', 'bob')],
  },
  { name: 'SEND', input: 'SEND bob\nContent-length: 5\n\nhello', expect: [send('bob', 'hello')] },
  {
    name: 'SEND ALL with newlines in the body (C1)',
    input: 'SEND ALL\nContent-length: 13\n\nline1\n\nline2\n',
    expect: [send('ALL', 'line1\n\nline2\n')],
  },
  {
    name: 'multi-byte body: Content-length counts bytes (C1)',
    input: `SEND bob\nContent-length: ${Buffer.byteLength(utf8)}\n\n${utf8}`,
    expect: [send('bob', utf8)],
  },
  {
    name: 'body that looks like a header',
    input: 'SEND bob\nContent-length: 27\n\nSEND x\nContent-length: 99\n\n',
    expect: [send('bob', 'SEND x\nContent-length: 99\n\n')],
  },
  {
    name: 'content-length key in any case, no space',
    input: 'SEND bob\ncontent-LENGTH:3\n\nabc',
    expect: [send('bob', 'abc')],
  },
  {
    name: 'CRLF header',
    input: 'SEND bob\r\nContent-length: 2\r\n\r\nhi',
    expect: [send('bob', 'hi')],
  },
  { name: 'Content-length 0', input: 'SEND bob\nContent-length: 0\n\n', expect: [send('bob', '')] },
  { name: 'SEND without Content-length: 103', input: 'SEND bob\n\n', expect: [fail(103)] },
  {
    name: 'SEND without recipient: 103',
    input: 'SEND\nContent-length: 1\n\nx',
    expect: [fail(103)],
  },
  {
    name: 'Content-length not a number: 103, then nothing',
    input: 'SEND bob\nContent-length: abc\n\nRECEIVED x\n\n',
    expect: [fail(103)],
  },
  {
    name: 'negative Content-length: 103',
    input: 'SEND bob\nContent-length: -1\n\n',
    expect: [fail(103)],
  },
  {
    name: 'conflicting Content-lengths: 103',
    input: 'SEND bob\nContent-length: 1\nContent-length: 2\n\nab',
    expect: [fail(103)],
  },
  {
    name: 'Content-length over the limit: 102, body skipped, next request read',
    input: `SEND bob\nContent-length: 100\n\n${'x'.repeat(100)}RECEIVED carol\n\n`,
    expect: [fail(102), { type: 'ack', sender: 'carol' }],
  },
  {
    name: 'header over the limit: 103',
    input: `SEND bob\nX: ${'y'.repeat(300)}\n\n`,
    expect: [fail(103)],
  },
  {
    name: 'many header lines over the limit: 103',
    input: `SEND bob\n${'X: 12345678\n'.repeat(30)}\n`,
    expect: [fail(103)],
  },
  { name: 'RECEIVED', input: 'RECEIVED alice\n\n', expect: [{ type: 'ack', sender: 'alice' }] },
  {
    name: 'SENT accepted as the ack word (C4)',
    input: 'SENT alice\n\n',
    expect: [{ type: 'ack', sender: 'alice' }],
  },
  {
    name: 'recipient refuses (C3)',
    input: 'ERROR 103 Header Incomplete\n\n',
    expect: [{ type: 'refused', line: 'ERROR 103 Header Incomplete' }],
  },
  {
    name: 'blank lines between messages are skipped',
    input: '\n\r\nRECEIVED a\n\n\n',
    expect: [{ type: 'ack', sender: 'a' }],
  },
  {
    name: 'unknown command',
    input: 'HELLO there\n\n',
    expect: [{ type: 'other', line: 'HELLO there' }],
  },
  {
    name: 'pipelined messages in one segment',
    input: 'SEND a\nContent-length: 1\n\nxSEND b\nContent-length: 2\n\nyzRECEIVED c\n\n',
    expect: [send('a', 'x'), send('b', 'yz'), { type: 'ack', sender: 'c' }],
  },
  { name: 'unfinished header yields nothing yet', input: 'REGISTER TOSEND alice\n', expect: [] },
  {
    name: 'unfinished body yields nothing yet',
    input: 'SEND bob\nContent-length: 9\n\nabc',
    expect: [],
  },
];

const replyVectors: readonly Vector[] = [
  {
    name: 'REGISTERED',
    input: 'REGISTERED TORECV bob\n\n',
    expect: [{ type: 'registered', role: 'TORECV', name: 'bob' }],
  },
  { name: 'SEND ack', input: 'SEND bob\n\n', expect: [{ type: 'delivered', to: 'bob' }] },
  { name: 'SENT ack (C4)', input: 'SENT ALL\n\n', expect: [{ type: 'delivered', to: 'ALL' }] },
  {
    name: 'FORWARD with multi-byte body',
    input: `FORWARD alice\nContent-length: ${Buffer.byteLength(utf8)}\n\n${utf8}`,
    expect: [{ type: 'forward', from: 'alice', body: utf8 }],
  },
  {
    name: 'FORWARD without Content-length (C3)',
    input: 'FORWARD alice\n\n',
    expect: [{ type: 'bad-forward', detail: 'no Content-length' }],
  },
  {
    name: 'ERROR',
    input: 'ERROR 102 Unable to send\n\n',
    expect: [{ type: 'error', code: 102, text: 'Unable to send' }],
  },
  { name: 'other', input: 'HELLO\n\n', expect: [{ type: 'other', line: 'HELLO' }] },
];

function runVectors(
  vectors: readonly Vector[],
  classify: (f: Col334Frame) => Col334Request | Col334Reply,
) {
  for (const v of vectors) {
    const input = Buffer.from(v.input);
    for (const [how, size] of [
      ['whole', input.length || 1],
      ['byte by byte', 1],
      ['chunks of 7', 7],
    ] as const) {
      test(`${v.name}: ${how}`, () => assert.deepEqual(feed(input, size, classify), v.expect));
    }
  }
}

describe('COL334 requests (server side)', () => {
  runVectors(requestVectors, (f) => classifyRequest(f, maxNameBytes));
});

describe('COL334 replies (client side)', () => {
  runVectors(replyVectors, (f) => classifyReply(f));
});

describe('COL334 serializer', () => {
  test('every message the server sends, byte for byte', () => {
    assert.equal(col334Reply.registered('TOSEND', 'a').toString(), 'REGISTERED TOSEND a\n\n');
    assert.equal(col334Reply.error(100).toString(), 'ERROR 100 Malformed username\n\n');
    assert.equal(col334Reply.error(101).toString(), 'ERROR 101 No user registered\n\n');
    assert.equal(col334Reply.error(102).toString(), 'ERROR 102 Unable to send\n\n');
    assert.equal(col334Reply.error(103).toString(), 'ERROR 103 Header Incomplete\n\n');
    assert.equal(col334Reply.delivered('ALL').toString(), 'SEND ALL\n\n'); // C4
    assert.equal(
      col334Reply.forward('a', Buffer.from('é')).toString(),
      'FORWARD a\nContent-length: 2\n\né',
    );
  });

  test('what a client writes parses back to the same request', () => {
    const framer = new Col334Framer(limits);
    const bytes = Buffer.concat([
      col334Request.register('TOSEND', 'amy'),
      col334Request.send('bob', utf8),
      col334Request.received('bob'),
      col334Request.headerIncomplete(),
    ]);
    const got = framer.push(bytes).map((f) => normalise(classifyRequest(f, maxNameBytes)));
    assert.deepEqual(got, [
      reg('TOSEND', 'amy'),
      send('bob', utf8),
      { type: 'ack', sender: 'bob' },
      { type: 'refused', line: 'ERROR 103 Header Incomplete' },
    ]);
  });

  test('an endless header is cut at the limit and nothing is buffered after', () => {
    const framer = new Col334Framer(limits);
    const out = [];
    for (let i = 0; i < 100; i++) out.push(...framer.push(Buffer.alloc(100, 'z')));
    assert.equal(out.length, 1);
    assert.equal(out[0]?.kind, 'broken');
    assert.ok(framer.failed);
  });
});
