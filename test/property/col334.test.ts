/**
 * Property tests of the direct-message protocol's framer and classifiers
 * (src/protocol/col334-framer.ts, col334-request.ts, col334-reply.ts; PROTOCOL.md Part 2):
 * - any bytes, any segmentation: never throws, the same frames whatever the cuts, nothing
 *   after a broken frame, and no frame bigger than the limits;
 * - requests and replies written by col334-serialize.ts, bodies of any bytes (C1: newlines,
 *   UTF-8 split anywhere), parse back to what was written; a body over the limit is skipped
 *   by its length and the next message is read intact.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  BROADCAST,
  Col334Code,
  col334ErrorText,
  type Col334Limits,
} from '../../src/protocol/col334.js';
import { Col334Framer, type Col334Frame } from '../../src/protocol/col334-framer.js';
import { classifyReply, type Col334Reply } from '../../src/protocol/col334-reply.js';
import { classifyRequest, type Col334Request } from '../../src/protocol/col334-request.js';
import { col334Reply, col334Request } from '../../src/protocol/col334-serialize.js';
import { anyBytes, bytewise, cuts, protocolish, split } from './segments.js';

const maxNameBytes = 32;

function frames(pieces: readonly Buffer[], limits: Col334Limits): Col334Frame[] {
  const framer = new Col334Framer(limits);
  const out: Col334Frame[] = [];
  for (const piece of pieces) out.push(...framer.push(piece));
  assert.equal(framer.failed, out.at(-1)?.kind === 'broken', 'failed exactly after a broken frame');
  return out;
}

const tokens = [
  'REGISTER TOSEND ',
  'REGISTER TORECV ',
  'SEND ',
  'SEND ALL',
  'FORWARD ',
  'RECEIVED ',
  'ERROR 103 Header Incomplete',
  'Content-length: ',
  'content-length:',
  'Content-length: 5',
  'Content-length: 0',
  'Content-length: 350',
  'Content-length: 99999',
  'Content-length: -1',
  'alice',
  'bob',
  'é',
  '𝄞',
];

const smallLimits: fc.Arbitrary<Col334Limits> = fc.record({
  maxHeaderBytes: fc.integer({ min: 8, max: 400 }),
  maxBodyBytes: fc.integer({ min: 0, max: 300 }),
});

const username = fc.stringMatching(/^[A-Za-z0-9]{1,20}$/).filter((n) => n !== BROADCAST);
const body = fc.oneof(
  anyBytes(300),
  fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => Buffer.from(s)),
  fc
    .constantFrom('\n\n', 'line\nline\n\nSEND bob\n\n', 'Content-length: 9\n\n')
    .map((s) => Buffer.from(s)),
);
const role = fc.constantFrom('TOSEND' as const, 'TORECV' as const);

type RequestCase = readonly [Buffer, Col334Request];

const requestCase: fc.Arbitrary<RequestCase> = fc.oneof(
  fc
    .tuple(role, username)
    .map(([r, n]): RequestCase => [
      col334Request.register(r, n),
      { type: 'register', role: r, name: n },
    ]),
  fc
    .tuple(fc.oneof(username, fc.constant(BROADCAST)), body)
    .map(([to, b]): RequestCase => [col334Request.send(to, b), { type: 'send', to, body: b }]),
  username.map((n): RequestCase => [col334Request.received(n), { type: 'ack', sender: n }]),
  fc.constant<RequestCase>([
    col334Request.headerIncomplete(),
    { type: 'refused', line: 'ERROR 103 Header Incomplete' },
  ]),
);

type ReplyCase = readonly [Buffer, Col334Reply];

const code = fc.constantFrom(...Object.values(Col334Code));
const replyCase: fc.Arbitrary<ReplyCase> = fc.oneof(
  fc
    .tuple(role, username)
    .map(([r, n]): ReplyCase => [
      col334Reply.registered(r, n),
      { type: 'registered', role: r, name: n },
    ]),
  code.map((c): ReplyCase => [
    col334Reply.error(c),
    { type: 'error', code: c, text: col334ErrorText[c] },
  ]),
  fc
    .oneof(username, fc.constant(BROADCAST))
    .map((to): ReplyCase => [col334Reply.delivered(to), { type: 'delivered', to }]),
  fc
    .tuple(username, body)
    .map(([from, b]): ReplyCase => [
      col334Reply.forward(from, b),
      { type: 'forward', from, body: b },
    ]),
);

/** Serialized requests and replies mixed with junk and cut short. */
const nearValid: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      requestCase.map(([b]) => b),
      replyCase.map(([b]) => b),
      protocolish(tokens, 2),
      fc
        .tuple(requestCase, fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([[b], f]) => b.subarray(0, Math.floor(f * b.length))),
    ),
    { maxLength: 8 },
  )
  .map((parts) => Buffer.concat(parts));

describe('Col334Framer on any input (PROTOCOL.md Part 2)', () => {
  test('never throws, ignores how the bytes were cut, stops after a broken frame', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.oneof(protocolish(tokens, 30), anyBytes(2000), nearValid),
        cuts,
        smallLimits,
        (bytes, fractions, limits) => {
          const whole = frames([bytes], limits);
          assert.deepEqual(frames(split(bytes, fractions), limits), whole, 'cut');
          whole.forEach((f, i) => {
            seen.add(f.kind);
            if (f.kind === 'broken') assert.equal(i, whole.length - 1, 'nothing after broken');
            if (f.kind === 'message' && f.body !== undefined) {
              assert.ok(f.body.length <= limits.maxBodyBytes, 'body within the limit');
            }
            // Classifying any frame never throws either.
            classifyRequest(f, maxNameBytes);
            classifyReply(f);
          });
        },
      ),
      { numRuns: 400 },
    );
    for (const kind of ['message', 'too-large', 'broken']) {
      assert.ok(seen.has(kind), `no input gave a ${kind} frame`);
    }
  });

  test('one byte at a time gives the same frames', () => {
    fc.assert(
      fc.property(protocolish(tokens, 15), smallLimits, (bytes, limits) => {
        assert.deepEqual(frames(bytewise(bytes), limits), frames([bytes], limits));
      }),
      { numRuns: 150 },
    );
  });
});

const roomyLimits: Col334Limits = { maxHeaderBytes: 4096, maxBodyBytes: 1024 };

describe('COL334 messages round-trip (C1)', () => {
  test('requests from col334-serialize.ts, any bodies, any cuts', () => {
    fc.assert(
      fc.property(
        fc.array(requestCase, { minLength: 1, maxLength: 10 }),
        cuts,
        (cases, fractions) => {
          const bytes = Buffer.concat(cases.map(([b]) => b));
          const expected = cases.map(([, r]) => r);
          const parsed = (pieces: Buffer[]): Col334Request[] =>
            frames(pieces, roomyLimits).map((f) => classifyRequest(f, maxNameBytes));
          assert.deepEqual(parsed([bytes]), expected, 'whole');
          assert.deepEqual(parsed(split(bytes, fractions)), expected, 'cut');
        },
      ),
      { numRuns: 300 },
    );
  });

  test('replies from col334-serialize.ts, any bodies, one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(replyCase, { minLength: 1, maxLength: 5 }), (cases) => {
        const bytes = Buffer.concat(cases.map(([b]) => b));
        const parsed = frames(bytewise(bytes), roomyLimits).map(classifyReply);
        assert.deepEqual(
          parsed,
          cases.map(([, r]) => r),
        );
      }),
      { numRuns: 100 },
    );
  });

  test('a body over the limit is skipped by its length; the next message is intact', () => {
    fc.assert(
      fc.property(
        username,
        fc.integer({ min: 1, max: 3000 }),
        requestCase,
        cuts,
        (to, size, [next, nextParsed], fractions) => {
          const limits: Col334Limits = { maxHeaderBytes: 4096, maxBodyBytes: 500 };
          const big = Buffer.alloc(size, 0x0a); // newlines: a framer reading lines would desync
          const bytes = Buffer.concat([col334Request.send(to, big), next]);
          const parsed = frames(split(bytes, fractions), limits).map((f) =>
            classifyRequest(f, maxNameBytes),
          );
          const first: Col334Request =
            size > limits.maxBodyBytes
              ? {
                  type: 'failure',
                  code: Col334Code.UnableToSend,
                  fatal: false,
                  detail: `Content-length ${size} over the limit`,
                }
              : { type: 'send', to, body: big };
          assert.deepEqual(parsed, [first, nextParsed]);
        },
      ),
      { numRuns: 150 },
    );
  });
});
