/** The requests of the chat-room protocol (PROTOCOL.md Part 1), as the parser produces them. */
export type TcdRequest =
  | { readonly type: 'helo'; readonly text: string }
  | { readonly type: 'kill' }
  | { readonly type: 'join'; readonly room: string; readonly clientName: string }
  | {
      readonly type: 'leave';
      readonly roomRef: number;
      readonly joinId: number;
      readonly clientName: string | undefined;
    }
  | {
      readonly type: 'chat';
      readonly roomRef: number;
      readonly joinId: number;
      readonly clientName: string | undefined;
      readonly message: string;
    }
  | { readonly type: 'disconnect'; readonly clientName: string | undefined };
