/**
 * The chat-room protocol's replies, byte for byte (T9, T10). Room events are encoded once
 * into a Buffer that every recipient shares; per-connection replies are small strings.
 */
import { describeError, type ProtocolError } from './errors.js';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** T9: `KEY:value` without a space, as the handout prints it. */
export function heloReply(text: string, endpoint: Endpoint, studentId: string): string {
  return `HELO ${text}\nIP:${endpoint.ip}\nPort:${endpoint.port}\nStudentID:${studentId}\n`;
}

export function joinedReply(
  room: string,
  endpoint: Endpoint,
  roomRef: number,
  joinId: number,
): string {
  return (
    `JOINED_CHATROOM: ${room}\nSERVER_IP: ${endpoint.ip}\nPORT: ${endpoint.port}\n` +
    `ROOM_REF: ${roomRef}\nJOIN_ID: ${joinId}\n`
  );
}

export function leftReply(roomRef: number, joinId: number): string {
  return `LEFT_CHATROOM: ${roomRef}\nJOIN_ID: ${joinId}\n`;
}

export function errorReply(error: ProtocolError): string {
  // A description is one line: a detail quoting peer input must not inject a line break.
  const text = describeError(error).replace(/[\r\n]+/g, ' ');
  return `ERROR_CODE: ${error.code}\nERROR_DESCRIPTION: ${text}\n`;
}

/** T10: a CHAT frame ends with a blank line. */
export function chatFrame(roomRef: number, clientName: string, message: string): Buffer {
  return Buffer.from(`CHAT: ${roomRef}\nCLIENT_NAME: ${clientName}\nMESSAGE: ${message}\n\n`);
}

export function joinNotice(clientName: string): string {
  return `${clientName} has joined this chatroom.`;
}

export function leaveNotice(clientName: string): string {
  return `${clientName} has left this chatroom.`;
}
