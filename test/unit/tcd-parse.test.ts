import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TcdParser, isProtocolError, type ParseResult } from '../../src/protocol/tcd-parse.js';
import { vectors } from '../fixtures/tcd-vectors.js';

const limits = { maxRequestBytes: 4096, maxMessageBytes: 1024 };

/** Errors are compared by code only: their wording is for people. */
function normalise(results: readonly ParseResult[]): unknown[] {
  return results.map((r) => (isProtocolError(r) ? { code: r.code } : r));
}

function feed(input: Buffer, chunkSize: number, quiet: boolean): unknown[] {
  const parser = new TcdParser(limits);
  const out: ParseResult[] = [];
  for (let i = 0; i < input.length; i += chunkSize) {
    out.push(...parser.push(input.subarray(i, i + chunkSize)));
  }
  if (quiet) out.push(...parser.quiet());
  return normalise(out);
}

describe('TcdParser vectors (T11, T12)', () => {
  for (const v of vectors) {
    const input = Buffer.from(v.input);
    test(`${v.name}: whole`, () => {
      assert.deepEqual(feed(input, input.length || 1, v.quiet ?? false), v.expect);
    });
    test(`${v.name}: one byte at a time`, () => {
      assert.deepEqual(feed(input, 1, v.quiet ?? false), v.expect);
    });
    test(`${v.name}: chunks of 7`, () => {
      assert.deepEqual(feed(input, 7, v.quiet ?? false), v.expect);
    });
  }
});

describe('TcdParser limits', () => {
  test('a line over the request limit is an error 6, skipped, then parsing resumes', () => {
    const parser = new TcdParser(limits);
    const huge = Buffer.alloc(10_000, 'x');
    const out = [...parser.push(huge), ...parser.push(Buffer.from('still junk\nHELO after\n'))];
    assert.deepEqual(normalise(out), [{ code: 6 }, { type: 'helo', text: 'after' }]);
    assert.equal(parser.bufferedBytes, 0);
  });

  test('memory stays bounded while an endless line streams in', () => {
    const parser = new TcdParser(limits);
    const chunk = Buffer.alloc(1000, 'y');
    let errors = 0;
    for (let i = 0; i < 1000; i++) {
      errors += parser.push(chunk).length;
      assert.ok(parser.bufferedBytes <= limits.maxRequestBytes);
    }
    assert.equal(errors, 1);
  });

  test('a multi-line request over the limit is an error 6 and the rest of it is skipped', () => {
    const parser = new TcdParser({ maxRequestBytes: 300, maxMessageBytes: 10_000 });
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i} ${'z'.repeat(20)}`).join('\n');
    const out = parser.push(
      Buffer.from(`CHAT: 1\nJOIN_ID: 1\nCLIENT_NAME: a\nMESSAGE: ${lines}\n\nHELO x\n`),
    );
    assert.deepEqual(normalise(out), [{ code: 6 }, { type: 'helo', text: 'x' }]);
  });

  test('a MESSAGE over the message limit is an error 7, and the next request is served', () => {
    const parser = new TcdParser({ maxRequestBytes: 4096, maxMessageBytes: 10 });
    const out = parser.push(
      Buffer.from('CHAT: 1\nJOIN_ID: 1\nCLIENT_NAME: a\nMESSAGE: 0123456789abc\n\nHELO x\n'),
    );
    assert.deepEqual(normalise(out), [{ code: 7 }, { type: 'helo', text: 'x' }]);
  });

  test('a MESSAGE exactly at the limit passes', () => {
    const parser = new TcdParser({ maxRequestBytes: 4096, maxMessageBytes: 10 });
    const out = parser.push(
      Buffer.from('CHAT: 1\nJOIN_ID: 1\nCLIENT_NAME: a\nMESSAGE: 01234\n5678\n\n'),
    );
    assert.deepEqual(normalise(out), [
      { type: 'chat', roomRef: 1, joinId: 1, clientName: 'a', message: '01234\n5678' },
    ]);
  });

  test('quiet does not cut a CHAT short: it ends only at its blank line', () => {
    const parser = new TcdParser(limits);
    assert.deepEqual(
      parser.push(Buffer.from('CHAT: 1\nJOIN_ID: 1\nCLIENT_NAME: a\nMESSAGE: a')),
      [],
    );
    assert.deepEqual(parser.quiet(), []);
    assert.deepEqual(normalise(parser.push(Buffer.from('b\n\n'))), [
      { type: 'chat', roomRef: 1, joinId: 1, clientName: 'a', message: 'ab' },
    ]);
  });

  test('quiet waits while a JOIN lacks its essential field', () => {
    const parser = new TcdParser(limits);
    assert.deepEqual(parser.push(Buffer.from('JOIN_CHATROOM: r\nCLIENT_IP: 0\n')), []);
    assert.deepEqual(parser.quiet(), []);
    assert.deepEqual(normalise(parser.push(Buffer.from('PORT: 0\nCLIENT_NAME: a\n'))), [
      { type: 'join', room: 'r', clientName: 'a' },
    ]);
  });

  test('T12 the blank line that ends a request at the size limit does not take the next request with it', () => {
    // Found by the property test: a request of exactly the limit, ended by its blank line.
    const parser = new TcdParser({ maxRequestBytes: 18, maxMessageBytes: 1 });
    const out = [
      ...parser.push(Buffer.from('CHAT: CLIENT_IP: 0')),
      ...parser.quiet(),
      ...parser.push(Buffer.from('\n\nHELO after\n')),
    ];
    assert.deepEqual(normalise(out), [{ code: 1 }, { type: 'helo', text: 'after' }]);
  });

  test('UTF-8 split mid-character decodes whole', () => {
    const parser = new TcdParser(limits);
    const bytes = Buffer.from('HELO 😀é\n');
    const out: ParseResult[] = [];
    for (const b of bytes) out.push(...parser.push(Buffer.from([b])));
    assert.deepEqual(out, [{ type: 'helo', text: '😀é' }]);
  });

  test('binary junk: one error 1, the same however it is cut, and parsing resumes after it', () => {
    const junk = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256));
    // T12: the junk's first line is an unknown request (1); the rest is skipped as its body.
    for (const size of [junk.length, 1, 7]) {
      assert.deepEqual(feed(junk, size, true), [{ code: 1 }], `chunks of ${size}`);
    }
    const parser = new TcdParser(limits);
    parser.push(junk);
    assert.ok(parser.bufferedBytes <= limits.maxRequestBytes);
    // A blank line ends what the junk left open; the next request is served.
    assert.deepEqual(normalise(parser.push(Buffer.from('\n\nHELO after\n'))), [
      { type: 'helo', text: 'after' },
    ]);
  });
});
