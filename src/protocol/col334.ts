/**
 * The direct-message protocol ("COL334", PROTOCOL.md Part 2): its vocabulary shared by the
 * parser, the serializer, the server and the `dm` client. Pure: no I/O.
 */

/** The two connections of one user: one it sends on, one it receives on. */
export type Role = 'TOSEND' | 'TORECV';

/** The recipient name that means every other registered user (C2); nobody may register it. */
export const BROADCAST = 'ALL';

/**
 * The four errors of the grammar, with the exact text the server puts after the code. C4: the
 * texts are spelled as seed 004's client compares them (`Header Incomplete`, capital I; the
 * assignment's table writes it lower case, and that client prints "Unknown Error" for it).
 */
export const Col334Code = {
  MalformedUsername: 100,
  NoUserRegistered: 101,
  UnableToSend: 102,
  HeaderIncomplete: 103,
} as const;

export type Col334Code = (typeof Col334Code)[keyof typeof Col334Code];

export const col334ErrorText: Readonly<Record<Col334Code, string>> = {
  100: 'Malformed username',
  101: 'No user registered',
  102: 'Unable to send',
  103: 'Header Incomplete',
};

const USERNAME = /^[A-Za-z0-9]+$/;

/**
 * The words a client of this protocol may begin a connection with: REGISTER, and the requests
 * that need a registration first (they get ERROR 101). SENT is C4's variant of the ack word.
 * No chat-room request begins with R or S, so these never take a chat-room client.
 */
const OPENING_WORDS = ['REGISTER', 'SEND', 'SENT', 'RECEIVED'].map((w) => Buffer.from(w));

/** Whether a connection's first bytes are this protocol's; undefined while they cannot tell. */
export function claimsCol334(head: Buffer): boolean | undefined {
  let unsure = false;
  for (const word of OPENING_WORDS) {
    const n = Math.min(head.length, word.length);
    if (head.compare(word, 0, n, 0, n) !== 0) continue;
    if (head.length >= word.length) return true;
    unsure = true;
  }
  return unsure ? undefined : false;
}

/** `username = 1*(ALPHA / DIGIT)`, ASCII only, at most `maxBytes`, and not the reserved `ALL`. */
export function isUsername(name: string, maxBytes: number): boolean {
  return name.length <= maxBytes && USERNAME.test(name) && name !== BROADCAST;
}

/** What the framer needs to bound a peer's input. */
export interface Col334Limits {
  /** Largest header block (all its lines with their newlines). */
  readonly maxHeaderBytes: number;
  /** Largest Content-length accepted; a larger body is skipped, never buffered. */
  readonly maxBodyBytes: number;
}

/** The first line of a header split into its command word and the rest. */
export function splitCommand(line: string): { word: string; args: string[] } {
  const parts = line.trim().split(/[ \t]+/);
  return { word: parts[0] ?? '', args: parts.slice(1).filter((p) => p !== '') };
}
