/**
 * Property tests of LineSplitter (src/protocol/framer.ts): for any bytes and any segmentation
 * (T11) it never throws, never holds more than its line limit, and reports exactly the lines
 * a simple model of the input predicts, whatever the cuts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LineSplitter, type LineSink } from '../../src/protocol/framer.js';
import { anyBytes, bytewise, cuts, protocolish, split } from './segments.js';

type LineEvent = { line: string; bytes: number } | 'oversize';

interface Outcome {
  readonly events: LineEvent[];
  /** What takePartial hands over at the end of input. */
  readonly tail: LineEvent[];
  readonly heldAtEnd: number;
}

/** Feeds the pieces, checking the memory bound after every one. */
function run(pieces: readonly Buffer[], maxLineBytes: number): Outcome {
  const events: LineEvent[] = [];
  const sink: LineSink = {
    line: (line, bytes) => events.push({ line, bytes }),
    oversize: () => events.push('oversize'),
  };
  const splitter = new LineSplitter(maxLineBytes);
  for (const piece of pieces) {
    splitter.push(piece, sink);
    assert.ok(
      splitter.bufferedBytes <= maxLineBytes,
      `holds ${splitter.bufferedBytes} bytes, limit ${maxLineBytes}`,
    );
  }
  const heldAtEnd = splitter.bufferedBytes;
  const tail: LineEvent[] = [];
  splitter.takePartial({
    line: (line, bytes) => tail.push({ line, bytes }),
    oversize: () => tail.push('oversize'),
  });
  assert.equal(splitter.bufferedBytes, 0, 'takePartial leaves nothing held');
  return { events, tail, heldAtEnd };
}

/** The model: split at LF; a line over the limit is one oversize report, else the line minus one CR. */
function model(input: Buffer, maxLineBytes: number): Outcome {
  const events: LineEvent[] = [];
  let start = 0;
  for (let nl = input.indexOf(0x0a); nl !== -1; nl = input.indexOf(0x0a, start)) {
    events.push(lineOf(input.subarray(start, nl), maxLineBytes));
    start = nl + 1;
  }
  const rest = input.subarray(start);
  if (rest.length > maxLineBytes) {
    events.push('oversize');
    return { events, tail: [], heldAtEnd: 0 };
  }
  return {
    events,
    tail: rest.length === 0 ? [] : [lineOf(rest, maxLineBytes)],
    heldAtEnd: rest.length,
  };
}

function lineOf(bytes: Buffer, maxLineBytes: number): LineEvent {
  if (bytes.length > maxLineBytes) return 'oversize';
  const end =
    bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
  return { line: bytes.toString('utf8', 0, end), bytes: bytes.length };
}

const tokens = ['HELO ', 'CHAT: 1', 'é', '€', '𝄞', 'line', 'x'.repeat(40)];
const input = fc.oneof(anyBytes(3000), protocolish(tokens));
const limit = fc.integer({ min: 1, max: 400 });

describe('LineSplitter properties (T11)', () => {
  test('any bytes, any segmentation: the model’s lines, within the bound', () => {
    fc.assert(
      fc.property(input, cuts, limit, (bytes, fractions, max) => {
        const expected = model(bytes, max);
        assert.deepEqual(run([bytes], max), expected, 'whole');
        assert.deepEqual(run(split(bytes, fractions), max), expected, 'cut');
      }),
      { numRuns: 300 },
    );
  });

  test('one byte at a time gives the same lines (UTF-8 split mid-character is decoded whole)', () => {
    fc.assert(
      fc.property(protocolish(tokens, 15), limit, (bytes, max) => {
        assert.deepEqual(run(bytewise(bytes), max), model(bytes, max));
      }),
      { numRuns: 100 },
    );
  });

  test('an endless line is reported once and never held past the limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 40 }),
        limit,
        (sizes, max) => {
          const pieces = sizes.map((n) => Buffer.alloc(n, 0x79));
          const total = sizes.reduce((a, b) => a + b, 0);
          const out = run(pieces, max);
          assert.deepEqual(out.events, total > max ? ['oversize'] : []);
        },
      ),
      { numRuns: 100 },
    );
  });
});
