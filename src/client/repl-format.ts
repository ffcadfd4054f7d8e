/** How the interactive client shows each event: one or more lines, and whether it is an error. */
import type { ClientEvent, RoomInfo } from './types.js';

export interface Shown {
  readonly text: string;
  /** Goes to stderr: errors, warnings, a lost connection. */
  readonly error: boolean;
}

/** `[room] name: message`; continuation lines indented under the first so a multi-line message reads as one. */
export function formatChat(room: string, from: string, message: string): string {
  const head = `[${room}] ${from}: `;
  const pad = ' '.repeat(head.length);
  return head + message.split('\n').join(`\n${pad}`);
}

export function formatRoom(info: RoomInfo): string {
  return `${info.room} (ROOM_REF ${info.roomRef}, JOIN_ID ${info.joinId}, ${info.endpoint})`;
}

export function formatEvent(event: ClientEvent): Shown | undefined {
  switch (event.type) {
    case 'helo': {
      const h = event.helo;
      return out(`HELO ${h.text} (IP ${h.ip}, Port ${h.port}, StudentID ${h.studentId})`);
    }
    case 'joined':
      return out(`joined ${formatRoom(event.room)}`);
    case 'left':
      return out(`left ${event.room.room}`);
    case 'chat': {
      const room = event.room ?? `ROOM_REF ${event.roomRef}`;
      if (event.notice !== undefined) return out(`[${room}] ${event.message}`);
      return out(formatChat(room, event.from, event.message));
    }
    case 'error':
      return err(`error ${event.code}: ${event.description}`);
    case 'warning':
      return err(`warning: ${event.text}`);
    case 'closed':
      return event.expected
        ? undefined
        : err(`connection to ${event.endpoint} closed by the server`);
  }
}

function out(text: string): Shown {
  return { text, error: false };
}

function err(text: string): Shown {
  return { text, error: true };
}
