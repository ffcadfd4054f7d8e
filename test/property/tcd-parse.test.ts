/**
 * Property tests of the chat-room request parser (src/protocol/tcd-parse.ts):
 * - any bytes, any segmentation (T11): never throws, never holds more than maxRequestBytes,
 *   and yields the same requests and the same errors (T12) whatever the cuts;
 * - valid requests, written by src/protocol/tcd-request-text.ts or in the tolerant variants
 *   T11 allows (CRLF, `KEY:value`, any space after the colon, keys in another order, optional
 *   keys left out, headers after MESSAGE, blank lines between requests, no final newline),
 *   parse back to exactly the requests they were written from.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  TcdParser,
  isProtocolError,
  type ParseResult,
  type ParserLimits,
} from '../../src/protocol/tcd-parse.js';
import type { TcdRequest } from '../../src/protocol/tcd-request.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import { anyBytes, bytewise, cuts, protocolish, split } from './segments.js';

/** Feeds the pieces then ends the input, checking the memory bound after every push. */
function parse(pieces: readonly Buffer[], limits: ParserLimits): ParseResult[] {
  const parser = new TcdParser(limits);
  const out: ParseResult[] = [];
  for (const piece of pieces) {
    out.push(...parser.push(piece));
    assert.ok(
      parser.bufferedBytes <= limits.maxRequestBytes,
      `holds ${parser.bufferedBytes} bytes, limit ${limits.maxRequestBytes}`,
    );
  }
  out.push(...parser.end());
  assert.equal(parser.bufferedBytes, 0, 'nothing held after end()');
  return out;
}

const tokens = [
  'HELO ',
  'HELO',
  'KILL_SERVICE',
  'JOIN_CHATROOM: ',
  'JOIN_CHATROOM:',
  'LEAVE_CHATROOM: ',
  'CHAT: ',
  'CHAT:',
  'DISCONNECT: ',
  'CLIENT_IP: 0',
  'PORT: 0',
  'CLIENT_NAME: ',
  'CLIENT_NAME:',
  'JOIN_ID: ',
  'MESSAGE: ',
  'MESSAGE:',
  'X_OTHER: 1',
  'lower: case',
  'room',
  'bob',
  'é',
  '€',
  '𝄞',
];

const smallLimits: fc.Arbitrary<ParserLimits> = fc.record({
  maxRequestBytes: fc.integer({ min: 16, max: 600 }),
  maxMessageBytes: fc.integer({ min: 1, max: 400 }),
});

// ---- valid requests --------------------------------------------------------------------------

/** Text that survives UTF-8 (no lone surrogates) and has no line break in it. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, '');
}
const utf8Safe = (s: string): boolean => Buffer.from(s).toString() === s;

const rawText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary-ascii', maxLength: 24 }),
  fc.constantFrom('HELO x', 'JOIN_CHATROOM: r', 'KILL_SERVICE', 'a: b', 'CHAT: 1', 'MESSAGE: m'),
);

/** Room and client names: one line, trimmed, not empty (the server's grammar; T11 trims them). */
const name = rawText.map((s) => oneLine(s).trim()).filter((s) => s !== '' && utf8Safe(s));

/** ROOM_REF and JOIN_ID: non-negative integers (T7). */
const id = fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: 0, max: 999_999_999_999 }));

/** A MESSAGE line: not empty (a blank line ends the CHAT), no CR at its end (CRLF is LF). */
const messageLine = rawText.map(oneLine).filter((s) => s !== '' && utf8Safe(s));

/** MESSAGE lines; the first follows `MESSAGE:` and its leading spaces would be read as separator. */
const message = fc
  .array(messageLine, { minLength: 1, maxLength: 6 })
  .filter((lines) => !/^[ \t]/.test(lines[0] ?? ''))
  .map((lines) => lines.join('\n'));

/** HELO's text: everything after `HELO ` on the line (T9), spaces included. */
const heloText = rawText.map(oneLine).filter(utf8Safe);

const optionalName = fc.option(name, { nil: undefined });

const validRequest: fc.Arbitrary<TcdRequest> = fc.oneof(
  heloText.map((text): TcdRequest => ({ type: 'helo', text })),
  fc.constant<TcdRequest>({ type: 'kill' }),
  fc.record({ room: name, clientName: name }).map((r): TcdRequest => ({ type: 'join', ...r })),
  fc
    .record({ roomRef: id, joinId: id, clientName: optionalName })
    .map((r): TcdRequest => ({ type: 'leave', ...r })),
  fc
    .record({ roomRef: id, joinId: id, clientName: optionalName, message })
    .map((r): TcdRequest => ({ type: 'chat', ...r })),
  optionalName.map((clientName): TcdRequest => ({ type: 'disconnect', clientName })),
);

/** The handout's exact layout, from the client-side serializer. */
function handoutText(r: TcdRequest): string | undefined {
  switch (r.type) {
    case 'helo':
      return request.helo(r.text);
    case 'kill':
      return request.kill();
    case 'join':
      return request.join(r.room, r.clientName);
    case 'leave':
      return r.clientName === undefined
        ? undefined
        : request.leave(r.roomRef, r.joinId, r.clientName);
    case 'chat':
      return r.clientName === undefined
        ? undefined
        : request.chat(r.roomRef, r.joinId, r.clientName, r.message);
    case 'disconnect':
      return r.clientName === undefined ? undefined : request.disconnect(r.clientName);
  }
}

interface Style {
  readonly eol: '\n' | '\r\n';
  /** What follows a key's colon (T11: `KEY:value`, any space after the colon). */
  readonly sep: string;
  /** Reverses the order of the keys after the first line (T11: keys in any order). */
  readonly reverse: boolean;
  /** JOIN without CLIENT_IP and PORT, DISCONNECT without PORT (ignored over TCP). */
  readonly lean: boolean;
  /** CHAT: JOIN_ID and CLIENT_NAME after the MESSAGE lines (docs/protocol.md, Parsing). */
  readonly headersLast: boolean;
  /** Blank lines before the request (ignored between requests). */
  readonly blankLines: number;
}

const style: fc.Arbitrary<Style> = fc.record({
  eol: fc.constantFrom('\n' as const, '\r\n' as const),
  sep: fc.constantFrom(': ', ':', ':   ', ':\t', ': \t '),
  reverse: fc.boolean(),
  lean: fc.boolean(),
  headersLast: fc.boolean(),
  blankLines: fc.nat({ max: 2 }),
});

/** A chat header line inside a MESSAGE would be taken as that header if it was not yet given. */
const looksLikeLateHeader = (line: string): boolean => /^(JOIN_ID|CLIENT_NAME):/.test(line);

/** One request in one of the layouts T11 accepts. */
function styledText(r: TcdRequest, s: Style): string {
  const field = (key: string, value: string | number): string => `${key}${s.sep}${value}`;
  const order = (keys: string[]): string[] => (s.reverse ? keys.reverse() : keys);
  const name = (n: string | undefined): string[] =>
    n === undefined ? [] : [field('CLIENT_NAME', n)];
  let lines: string[];
  switch (r.type) {
    case 'helo':
      lines = [`HELO ${r.text}`]; // T9: HELO keeps its single space
      break;
    case 'kill':
      lines = ['KILL_SERVICE'];
      break;
    case 'join':
      lines = [
        field('JOIN_CHATROOM', r.room),
        ...order([
          ...(s.lean ? [] : [field('CLIENT_IP', 0), field('PORT', 0)]),
          field('CLIENT_NAME', r.clientName),
        ]),
      ];
      break;
    case 'leave':
      lines = [
        field('LEAVE_CHATROOM', r.roomRef),
        ...order([field('JOIN_ID', r.joinId), ...name(r.clientName)]),
      ];
      break;
    case 'disconnect':
      lines = [
        field('DISCONNECT', 0),
        ...order([...(s.lean ? [] : [field('PORT', 0)]), ...name(r.clientName)]),
      ];
      break;
    case 'chat': {
      const headers = order([field('JOIN_ID', r.joinId), ...name(r.clientName)]);
      const [first, ...rest] = r.message.split('\n');
      const body = [field('MESSAGE', first ?? ''), ...rest];
      const canMove = !rest.some(looksLikeLateHeader);
      lines = [
        field('CHAT', r.roomRef),
        ...(s.headersLast && canMove ? [...body, ...headers] : [...headers, ...body]),
        '', // T11: a CHAT ends at its blank line
      ];
      break;
    }
  }
  return s.eol.repeat(s.blankLines) + lines.map((l) => l + s.eol).join('');
}

/**
 * A CHAT whose CLIENT_NAME is left out takes a message line `CLIENT_NAME: x` as its header
 * (docs/protocol.md); such requests are valid but do not round-trip, so they are not generated.
 */
function roundTrips(r: TcdRequest): boolean {
  return !(r.type === 'chat' && r.message.split('\n').slice(1).some(looksLikeLateHeader));
}

/**
 * Valid requests in any layout mixed with junk lines and cut short: input near the grammar,
 * where the parser's states (blocks cut short, MESSAGE continuation, skipping) are exercised.
 */
const nearValid: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.tuple(validRequest, style).map(([r, s]) => styledText(r, s)) },
      { weight: 1, arbitrary: rawText.map((t) => `${t}\n`) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(validRequest, style, fc.double({ min: 0, max: 1, noNaN: true }))
          .map(([r, s, f]) => {
            const t = styledText(r, s);
            return t.slice(0, Math.floor(f * t.length));
          }),
      },
    ),
    { maxLength: 10 },
  )
  .map((parts) => Buffer.from(parts.join('')));

describe('TcdParser on any input (T11, T12)', () => {
  test('never throws, stays within maxRequestBytes, and ignores how the bytes were cut', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        fc.oneof(protocolish(tokens, 40), anyBytes(2000), nearValid),
        cuts,
        smallLimits,
        (bytes, fractions, limits) => {
          const whole = parse([bytes], limits);
          assert.deepEqual(parse(split(bytes, fractions), limits), whole, 'cut');
          for (const r of whole) {
            const kind = isProtocolError(r) ? `error ${r.code}` : r.type;
            seen.set(kind, (seen.get(kind) ?? 0) + 1);
          }
        },
      ),
      { numRuns: 500 },
    );
    // The inputs must reach every outcome, or the property above proves little.
    const kinds = [
      'helo',
      'kill',
      'join',
      'leave',
      'chat',
      'disconnect',
      'error 1',
      'error 6',
      'error 7',
    ];
    for (const kind of kinds) {
      assert.ok((seen.get(kind) ?? 0) > 0, `no input gave ${kind}: ${JSON.stringify([...seen])}`);
    }
  });

  test('one byte at a time gives the same requests and errors', () => {
    fc.assert(
      fc.property(fc.oneof(protocolish(tokens, 20), nearValid), smallLimits, (bytes, limits) => {
        assert.deepEqual(parse(bytewise(bytes), limits), parse([bytes], limits));
      }),
      { numRuns: 150 },
    );
  });

  test('a quiet connection at any point: never throws, keeps the bound, parser errors only, resyncs', () => {
    fc.assert(
      fc.property(
        protocolish(tokens, 30),
        cuts,
        fc.array(fc.boolean(), { maxLength: 25 }),
        smallLimits,
        (bytes, fractions, quietAfter, limits) => {
          const parser = new TcdParser(limits);
          const out: ParseResult[] = [];
          split(bytes, fractions).forEach((piece, i) => {
            out.push(...parser.push(piece));
            if (quietAfter[i] === true) out.push(...parser.quiet());
            assert.ok(parser.bufferedBytes <= limits.maxRequestBytes);
          });
          out.push(...parser.quiet());
          // Whatever state quiet left, a blank line resynchronises (T12): the next request is
          // served as such, and is the last thing out.
          const tail = parser.push(Buffer.from('\n\nHELO after\n'));
          assert.deepEqual(tail.at(-1), { type: 'helo', text: 'after' });
          out.push(...tail, ...parser.end());
          assert.equal(parser.bufferedBytes, 0);
          // T12: what the parser can tell is a malformed (1), too large (6) or too long (7).
          for (const r of out) {
            if (isProtocolError(r)) assert.ok([1, 6, 7].includes(r.code), `error ${r.code}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

const roundTripLimits: ParserLimits = { maxRequestBytes: 65_536, maxMessageBytes: 32_768 };

describe('valid requests round-trip (T9, T11)', () => {
  test('the handout layout from tcd-request-text.ts parses back to the same requests', () => {
    fc.assert(
      fc.property(
        fc.array(validRequest.filter(roundTrips), { minLength: 1, maxLength: 12 }),
        cuts,
        (reqs, fractions) => {
          const texts = reqs.map(handoutText);
          const sent = reqs.filter((_, i) => texts[i] !== undefined);
          const bytes = Buffer.from(texts.filter((t) => t !== undefined).join(''));
          assert.deepEqual(parse([bytes], roundTripLimits), sent, 'whole');
          assert.deepEqual(parse(split(bytes, fractions), roundTripLimits), sent, 'cut');
        },
      ),
      { numRuns: 300 },
    );
  });

  test('CRLF, KEY:value, any spacing, any key order and optional keys left out', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(validRequest.filter(roundTrips), style), {
          minLength: 1,
          maxLength: 10,
        }),
        fc.boolean(),
        cuts,
        (items, dropFinalNewline, fractions) => {
          let text = items.map(([r, s]) => styledText(r, s)).join('');
          const last = items[items.length - 1];
          // T11: a JOIN, LEAVE, DISCONNECT (and HELO) may lack its final newline at the end.
          if (dropFinalNewline && last !== undefined && last[0].type !== 'chat') {
            text = text.slice(0, text.length - last[1].eol.length);
          }
          const expected = items.map(([r]) => r);
          const bytes = Buffer.from(text);
          assert.deepEqual(parse([bytes], roundTripLimits), expected, 'whole');
          assert.deepEqual(parse(split(bytes, fractions), roundTripLimits), expected, 'cut');
        },
      ),
      { numRuns: 300 },
    );
  });

  test('one byte at a time, CRLF', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(validRequest.filter(roundTrips), style), {
          minLength: 1,
          maxLength: 4,
        }),
        (items) => {
          const bytes = Buffer.from(items.map(([r, s]) => styledText(r, s)).join(''));
          assert.deepEqual(
            parse(bytewise(bytes), roundTripLimits),
            items.map(([r]) => r),
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});
