/**
 * The field grammar of the multi-line requests: which key starts each request, which keys
 * complete it, and which it cannot do without when it is cut short (T11).
 */
import { protocolError, ErrorCode, type ProtocolError } from './errors.js';
import type { TcdRequest } from './tcd-request.js';

export type BlockCommand = 'JOIN_CHATROOM' | 'LEAVE_CHATROOM' | 'CHAT' | 'DISCONNECT';

interface BlockGrammar {
  /** Keys after the first line; once all have arrived the request is complete. */
  readonly fields: readonly string[];
  /** Keys without which a request cut short (blank line, next request, quiet) is an error. */
  readonly essential: readonly string[];
}

export const blockGrammar: Readonly<Record<BlockCommand, BlockGrammar>> = {
  JOIN_CHATROOM: { fields: ['CLIENT_IP', 'PORT', 'CLIENT_NAME'], essential: ['CLIENT_NAME'] },
  LEAVE_CHATROOM: { fields: ['JOIN_ID', 'CLIENT_NAME'], essential: ['JOIN_ID'] },
  DISCONNECT: { fields: ['PORT', 'CLIENT_NAME'], essential: [] },
  // CHAT ends at its blank line, not when its fields are in (T11).
  CHAT: { fields: ['JOIN_ID', 'CLIENT_NAME', 'MESSAGE'], essential: ['JOIN_ID', 'MESSAGE'] },
};

export function isBlockCommand(key: string): key is BlockCommand {
  return Object.hasOwn(blockGrammar, key);
}

/** Splits `KEY:value` / `KEY:   value` (T11); undefined when the line has no key. */
export function splitField(line: string): { key: string; value: string } | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  const key = line.slice(0, colon);
  if (!/^[A-Z_]+$/.test(key)) return undefined;
  let start = colon + 1;
  while (start < line.length && (line[start] === ' ' || line[start] === '\t')) start++;
  return { key, value: line.slice(start) };
}

/** Builds the request from a finished block, or says what is wrong with it. */
export function buildRequest(
  command: BlockCommand,
  head: string,
  fields: ReadonlyMap<string, string>,
): TcdRequest | ProtocolError {
  const missing = blockGrammar[command].essential.find((k) => !fields.has(k));
  if (missing !== undefined) {
    return protocolError(ErrorCode.InvalidFormat, `${command} without ${missing}`);
  }
  const clientName = fields.get('CLIENT_NAME')?.trim();
  switch (command) {
    case 'JOIN_CHATROOM':
      return { type: 'join', room: head.trim(), clientName: clientName ?? '' };
    case 'DISCONNECT':
      return { type: 'disconnect', clientName };
    case 'LEAVE_CHATROOM':
    case 'CHAT': {
      const roomRef = parseId(head);
      if (roomRef === undefined) return badNumber(command, head);
      const joinIdText = fields.get('JOIN_ID') ?? '';
      const joinId = parseId(joinIdText);
      if (joinId === undefined) return badNumber('JOIN_ID', joinIdText);
      if (command === 'LEAVE_CHATROOM') return { type: 'leave', roomRef, joinId, clientName };
      return { type: 'chat', roomRef, joinId, clientName, message: fields.get('MESSAGE') ?? '' };
    }
  }
}

/**
 * A ROOM_REF or JOIN_ID: a non-negative decimal integer of any length (T7), surrounding spaces
 * allowed. A number too long to be one roomcast issued (some clients send 39-digit refs
 * derived from hashes) is still a number: it comes back as `Infinity`, which names no room
 * and no connection, so the request gets "no such room" or "unknown user", not a format error.
 */
export function parseId(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return undefined;
  const significant = t.replace(/^0+(?=\d)/, '');
  return significant.length > MAX_ID_DIGITS ? Number.POSITIVE_INFINITY : Number(significant);
}

/** Identifiers roomcast issues stay far below 10^15, so every one of them is a safe integer. */
const MAX_ID_DIGITS = 15;

/** An identifier for an error detail: `Infinity` stands for one too long to be issued. */
export function showId(id: number): string {
  return Number.isFinite(id) ? String(id) : `of over ${MAX_ID_DIGITS} digits`;
}

function badNumber(key: string, value: string): ProtocolError {
  const shown = value.length > 20 ? `${value.slice(0, 20)}...` : value;
  return protocolError(
    ErrorCode.InvalidFormat,
    `${key} must be a non-negative integer, not '${shown}'`,
  );
}
