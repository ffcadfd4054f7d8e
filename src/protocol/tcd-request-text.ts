/** The chat-room protocol's requests as a client writes them (the handout's exact layout). */
export const request = {
  helo: (text: string): string => `HELO ${text}\n`,
  join: (room: string, clientName: string): string =>
    `JOIN_CHATROOM: ${room}\nCLIENT_IP: 0\nPORT: 0\nCLIENT_NAME: ${clientName}\n`,
  chat: (
    roomRef: number | string,
    joinId: number | string,
    clientName: string,
    message: string,
  ): string =>
    `CHAT: ${roomRef}\nJOIN_ID: ${joinId}\nCLIENT_NAME: ${clientName}\nMESSAGE: ${message}\n\n`,
  leave: (roomRef: number | string, joinId: number | string, clientName: string): string =>
    `LEAVE_CHATROOM: ${roomRef}\nJOIN_ID: ${joinId}\nCLIENT_NAME: ${clientName}\n`,
  disconnect: (clientName: string): string =>
    `DISCONNECT: 0\nPORT: 0\nCLIENT_NAME: ${clientName}\n`,
  kill: (): string => 'KILL_SERVICE\n',
} as const;
