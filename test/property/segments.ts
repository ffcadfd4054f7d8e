/**
 * Arbitraries shared by the property tests: byte sequences shaped like protocol input, and
 * segmentations of them (the same bytes cut at arbitrary points, T11).
 */
import fc from 'fast-check';

/** Cut points for an input of any length: fractions in [0, 1), turned into offsets by `split`. */
export const cuts: fc.Arbitrary<number[]> = fc.array(
  fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  {
    maxLength: 24,
  },
);

/** `input` cut at the given fractions of its length; the pieces concatenate back to it. */
export function split(input: Buffer, fractions: readonly number[]): Buffer[] {
  const points = [...new Set(fractions.map((f) => Math.floor(f * input.length)))]
    .filter((p) => p > 0 && p < input.length)
    .sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    pieces.push(input.subarray(start, p));
    start = p;
  }
  pieces.push(input.subarray(start));
  return pieces;
}

/** The input one byte per piece: the harshest segmentation. */
export function bytewise(input: Buffer): Buffer[] {
  return Array.from(input, (b) => Buffer.from([b]));
}

/** A buffer of any bytes at all. */
export const anyBytes = (maxLength: number): fc.Arbitrary<Buffer> =>
  fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));

/**
 * Bytes that look like protocol input: lines made of keys, separators, digits, multi-byte UTF-8
 * (which a cut may split mid-character), raw junk and long runs that cross the size limits,
 * ended by LF, CRLF, a lone CR or nothing. Random bytes alone almost never reach the parser's
 * interesting states.
 */
export function protocolish(tokens: readonly string[], maxLines = 20): fc.Arbitrary<Buffer> {
  const token: fc.Arbitrary<Buffer> = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...tokens).map((t) => Buffer.from(t)) },
    { weight: 2, arbitrary: fc.constantFrom(' ', ':', '\t', '\r').map((t) => Buffer.from(t)) },
    {
      weight: 2,
      arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }).map((t) => Buffer.from(t)),
    },
    { weight: 2, arbitrary: fc.nat({ max: 99_999 }).map((n) => Buffer.from(String(n))) },
    { weight: 1, arbitrary: anyBytes(16) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 700 }).map((n) => Buffer.alloc(n, 0x78)) },
  );
  const eol = fc.constantFrom('\n', '\n', '\n', '\r\n', '\n\n', '').map((t) => Buffer.from(t));
  const line = fc
    .tuple(fc.array(token, { maxLength: 3 }), eol)
    .map(([parts, end]) => Buffer.concat([...parts, end]));
  return fc.array(line, { maxLength: maxLines }).map((lines) => Buffer.concat(lines));
}
