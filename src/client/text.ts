/** What the client checks before putting text on the wire, and how it reads the server's notices. */
import { ClientError } from './errors.js';
import type { HeloInfo } from './types.js';

/** Room and client names are one line each in a request. */
export function checkName(what: string, name: string): void {
  if (name.trim() === '') throw new ClientError(`empty ${what}`);
  if (/[\r\n]/.test(name)) throw new ClientError(`${what} may not contain a line break`);
}

/**
 * A message may span lines (T11) but none may be blank: the first blank line ends the CHAT,
 * and a server would read the rest as a new, malformed request. CRLF becomes LF and trailing
 * line breaks are dropped; the text that goes on the wire is returned.
 */
export function checkMessage(message: string): string {
  const text = message.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  if (text.includes('\n') && text.split('\n').some((line) => line.trim() === '')) {
    throw new ClientError('a message may not contain a blank line (it would end the CHAT)');
  }
  return text;
}

/** The server's join and leave notices (PROTOCOL.md Part 1) for `from`. */
export function noticeKind(from: string, message: string): 'joined' | 'left' | undefined {
  if (message === `${from} has joined this chatroom.`) return 'joined';
  if (message === `${from} has left this chatroom.`) return 'left';
  return undefined;
}

/** HELO's reply as the client reports it (T9: `KEY:value` lines, the text as echoed). */
export function heloInfo(raw: string, fields: ReadonlyMap<string, string>): HeloInfo {
  const first = raw.slice(0, raw.indexOf('\n'));
  return {
    text: first.replace(/^HELO ?/, ''),
    ip: fields.get('IP') ?? '',
    port: fields.get('Port') ?? '',
    studentId: fields.get('StudentID') ?? '',
  };
}
