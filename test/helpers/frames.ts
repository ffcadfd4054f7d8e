/** The exact bytes roomcast sends, for assertions (PROTOCOL.md Part 1). */
export const frame = {
  helo: (text: string, port: number, studentId = 'test-id', ip = '127.0.0.1'): string =>
    `HELO ${text}\nIP:${ip}\nPort:${port}\nStudentID:${studentId}\n`,
  joined: (room: string, port: number, roomRef: number, joinId: number, ip = '127.0.0.1'): string =>
    `JOINED_CHATROOM: ${room}\nSERVER_IP: ${ip}\nPORT: ${port}\nROOM_REF: ${roomRef}\nJOIN_ID: ${joinId}\n`,
  left: (roomRef: number, joinId: number): string =>
    `LEFT_CHATROOM: ${roomRef}\nJOIN_ID: ${joinId}\n`,
  chat: (roomRef: number, name: string, message: string): string =>
    `CHAT: ${roomRef}\nCLIENT_NAME: ${name}\nMESSAGE: ${message}\n\n`,
  joinedNotice: (roomRef: number, name: string): string =>
    frame.chat(roomRef, name, `${name} has joined this chatroom.`),
  leftNotice: (roomRef: number, name: string): string =>
    frame.chat(roomRef, name, `${name} has left this chatroom.`),
  error: (code: number, description: string): string =>
    `ERROR_CODE: ${code}\nERROR_DESCRIPTION: ${description}\n`,
};
