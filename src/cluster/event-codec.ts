/**
 * Room events as the cluster's scripts write them (src/cluster/scripts.ts): each is
 * `<seq> <kind> <joinId> <#name> <#text>\n<name><text>`, lengths in bytes (a join's head
 * ends with its JOIN's ` <attempt>` too; one without is read as attempt 0, which no JOIN
 * has), and several may follow one another in one pub/sub message. Decoding never throws: what does not parse is
 * reported, so a bad message is logged rather than taken for an event.
 */
import type { RoomEvent } from '../bus/bus.js';

const LF = 0x0a;

/** The events in `bytes`, all of room `ref`; `bad` is set when part of it did not parse. */
export function decodeEvents(ref: number, bytes: Buffer): { events: RoomEvent[]; bad: boolean } {
  const events: RoomEvent[] = [];
  let at = 0;
  while (at < bytes.length) {
    const nl = bytes.indexOf(LF, at);
    if (nl === -1) return { events, bad: true };
    const head = bytes.toString('latin1', at, nl).split(' ');
    const [seqText, kind, joinIdText, nameLenText, textLenText, attemptText] = head;
    const seq = Number(seqText);
    const joinId = Number(joinIdText);
    const nameLen = Number(nameLenText);
    const textLen = Number(textLenText);
    const attempt = Number(attemptText ?? 0);
    const nameEnd = nl + 1 + nameLen;
    const end = nameEnd + textLen;
    const fields = [seq, joinId, nameLen, textLen, attempt];
    const fieldCount = head.length === 5 || (head.length === 6 && kind === 'J');
    if (!fieldCount || !fields.every(Number.isSafeInteger)) {
      return { events, bad: true };
    }
    if (end > bytes.length) return { events, bad: true };
    const clientName = bytes.toString('utf8', nl + 1, nameEnd);
    const text = bytes.toString('utf8', nameEnd, end);
    if (kind === 'C') events.push({ kind: 'chat', ref, seq, clientName, message: text });
    else if (kind === 'J') {
      events.push({ kind: 'join', ref, seq, room: text, joinId, clientName, attempt });
    } else if (kind === 'L') events.push({ kind: 'leave', ref, seq, joinId, clientName });
    else return { events, bad: true };
    at = end;
  }
  return { events, bad: false };
}

/** One event in that encoding (what the Lua scripts' `enc` writes), as a string to join. */
export function encodeEvent(event: RoomEvent): string {
  const [kind, joinId, name, text] =
    event.kind === 'chat'
      ? ['C', 0, event.clientName, event.message]
      : event.kind === 'join'
        ? ['J', event.joinId, event.clientName, event.room]
        : ['L', event.joinId, event.clientName, ''];
  const lengths = `${Buffer.byteLength(name)} ${Buffer.byteLength(text)}`;
  const attempt = event.kind === 'join' ? ` ${event.attempt}` : '';
  return `${event.seq} ${kind} ${joinId} ${lengths}${attempt}\n${name}${text}`;
}
