/** Replies as a line of text for FAIL messages: short, exact where it matters (quoted strings). */
import type { TcdReply } from '../protocol/tcd-reply.js';

export function describeReply(reply: TcdReply): string {
  switch (reply.type) {
    case 'helo':
      return `HELO reply ${JSON.stringify(reply.raw)}`;
    case 'joined':
      return `JOINED_CHATROOM ${JSON.stringify(reply.room)} (ROOM_REF ${reply.roomRef}, JOIN_ID ${reply.joinId})`;
    case 'left':
      return `LEFT_CHATROOM ${reply.roomRef} (JOIN_ID ${reply.joinId})`;
    case 'error':
      return `ERROR_CODE ${reply.code} ${JSON.stringify(reply.description)}`;
    case 'chat':
      return `CHAT ${reply.roomRef} from ${reply.clientName}: ${JSON.stringify(reply.message)}`;
    case 'unknown':
      return `unexpected line ${JSON.stringify(reply.raw)}`;
  }
}

export function describeChat(roomRef: string, from: string, message: string): string {
  return `CHAT ${roomRef} from ${from}: ${JSON.stringify(message)}`;
}

export function joinNotice(name: string): string {
  return `${name} has joined this chatroom.`;
}

export function leaveNotice(name: string): string {
  return `${name} has left this chatroom.`;
}
