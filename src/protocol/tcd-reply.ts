/**
 * The client side of the chat-room protocol: server bytes to replies, for roomcast's own
 * clients, the conformance checker and the tests. Lenient like the server's parser (any
 * segmentation, CRLF, `KEY:value`), and each reply keeps its raw text for exact comparison.
 */
import { LineSplitter, type LineSink } from './framer.js';
import { splitField } from './tcd-fields.js';

export type TcdReply =
  | { readonly type: 'helo'; readonly raw: string; readonly fields: ReadonlyMap<string, string> }
  | {
      readonly type: 'joined';
      readonly raw: string;
      readonly room: string;
      readonly serverIp: string;
      readonly port: number;
      readonly roomRef: string;
      readonly joinId: string;
    }
  | {
      readonly type: 'left';
      readonly raw: string;
      readonly roomRef: string;
      readonly joinId: string;
    }
  | {
      readonly type: 'error';
      readonly raw: string;
      readonly code: number;
      readonly description: string;
    }
  | {
      readonly type: 'chat';
      readonly raw: string;
      readonly roomRef: string;
      readonly clientName: string;
      readonly message: string;
    }
  /** A line that begins no known reply; kept so a checker can report it. */
  | { readonly type: 'unknown'; readonly raw: string };

/** How many lines each single-newline reply has, by its first key. */
const replyLines: Readonly<Record<string, number>> = {
  JOINED_CHATROOM: 5,
  LEFT_CHATROOM: 2,
  ERROR_CODE: 2,
};

export class TcdReplyParser implements LineSink {
  private readonly lines: LineSplitter;
  private current: { kind: string; lines: string[]; want: number } | undefined;
  private out: TcdReply[] = [];

  constructor(maxLineBytes = 1 << 20) {
    this.lines = new LineSplitter(maxLineBytes);
  }

  push(chunk: Buffer): TcdReply[] {
    this.lines.push(chunk, this);
    const out = this.out;
    this.out = [];
    return out;
  }

  line(text: string): void {
    const cur = this.current;
    if (cur !== undefined) {
      cur.lines.push(text);
      const done = cur.kind === 'CHAT' ? text === '' : cur.lines.length >= cur.want;
      if (done) {
        this.current = undefined;
        this.out.push(buildReply(cur.kind, cur.lines));
      }
      return;
    }
    if (text === '') return;
    if (text.startsWith('HELO')) {
      this.current = { kind: 'HELO', lines: [text], want: 4 };
      return;
    }
    const field = splitField(text);
    const kind = field?.key ?? '';
    if (kind === 'CHAT' || replyLines[kind] !== undefined) {
      this.current = { kind, lines: [text], want: replyLines[kind] ?? 0 };
      return;
    }
    this.out.push({ type: 'unknown', raw: `${text}\n` });
  }

  oversize(): void {
    this.current = undefined;
    this.out.push({ type: 'unknown', raw: '(oversize line)\n' });
  }
}

function buildReply(kind: string, lines: string[]): TcdReply {
  const raw = `${lines.join('\n')}\n`;
  const fields = new Map<string, string>();
  const head = splitField(lines[0] ?? '');
  if (head !== undefined) fields.set(head.key, head.value);
  let message: string[] | undefined;
  for (const line of lines.slice(1)) {
    if (message !== undefined) {
      if (line !== '') message.push(line);
      continue;
    }
    const f = kind === 'HELO' ? splitHeloLine(line) : splitField(line);
    if (f === undefined) continue;
    if (kind === 'CHAT' && f.key === 'MESSAGE') message = [f.value];
    else fields.set(f.key, f.value);
  }
  const get = (key: string): string => (fields.get(key) ?? '').trim();
  switch (kind) {
    case 'HELO':
      return { type: 'helo', raw, fields };
    case 'JOINED_CHATROOM':
      return {
        type: 'joined',
        raw,
        room: get('JOINED_CHATROOM'),
        serverIp: get('SERVER_IP'),
        port: Number(get('PORT')),
        roomRef: get('ROOM_REF'),
        joinId: get('JOIN_ID'),
      };
    case 'LEFT_CHATROOM':
      return { type: 'left', raw, roomRef: get('LEFT_CHATROOM'), joinId: get('JOIN_ID') };
    case 'ERROR_CODE':
      return {
        type: 'error',
        raw,
        code: Number(get('ERROR_CODE')),
        description: get('ERROR_DESCRIPTION'),
      };
    default:
      return {
        type: 'chat',
        raw,
        roomRef: get('CHAT'),
        clientName: get('CLIENT_NAME'),
        message: (message ?? []).join('\n'),
      };
  }
}

/** HELO's lines are `IP:…`, `Port:…`, `StudentID:…`: mixed case, no space (T9). */
function splitHeloLine(line: string): { key: string; value: string } | undefined {
  const colon = line.indexOf(':');
  return colon <= 0 ? undefined : { key: line.slice(0, colon), value: line.slice(colon + 1) };
}
