/**
 * The interactive client's command language (seed 003's commands, and a few more): one line
 * in, one command out. Pure, so the grammar is testable without a terminal.
 */
export type ReplCommand =
  | { readonly type: 'join'; readonly room: string }
  | { readonly type: 'send'; readonly room: string; readonly message: string }
  /** Any other text: a message to the current room. */
  | { readonly type: 'say'; readonly message: string }
  | { readonly type: 'leave'; readonly room: string | undefined }
  | { readonly type: 'rooms' }
  | { readonly type: 'helo'; readonly text: string | undefined }
  | { readonly type: 'quit' }
  | { readonly type: 'help' }
  | { readonly type: 'empty' }
  | { readonly type: 'usage'; readonly text: string };

export const helpText = `Commands:
  join ROOM            join ROOM; it becomes the current room
  send ROOM MESSAGE    send MESSAGE to ROOM
  MESSAGE              any other line goes to the current room
  leave [ROOM]         leave ROOM (default: the current room)
  rooms                list the rooms you are in
  helo [TEXT]          send HELO TEXT and show the server's answer
  disconnect | quit    leave every room and exit
  help                 this text
End a line with \\ to continue it on the next line (a multi-line message).
A server error to a join ends the session; other errors are shown and the session goes on.`;

/** Splits off the first word: `[word, rest]`, rest with its inner spacing kept. */
function firstWord(text: string): [string, string] {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  return match === null ? ['', ''] : [match[1] ?? '', match[2] ?? ''];
}

export function parseCommand(line: string): ReplCommand {
  const text = line.trim();
  if (text === '') return { type: 'empty' };
  // A leading slash is allowed too (`/join room`), as chat clients commonly accept.
  const [rawWord, rest] = firstWord(text);
  const word = rawWord.replace(/^\//, '').toLowerCase();
  switch (word) {
    case 'join':
      return rest === '' ? usage('usage: join ROOM') : { type: 'join', room: rest };
    case 'send': {
      const [room, message] = firstWord(rest);
      return room === '' ? usage('usage: send ROOM MESSAGE') : { type: 'send', room, message };
    }
    case 'leave':
    case 'leave_chatroom': // seed 003's spelling
      return { type: 'leave', room: rest === '' ? undefined : rest };
    case 'rooms':
      return { type: 'rooms' };
    case 'helo':
      return { type: 'helo', text: rest === '' ? undefined : rest };
    case 'disconnect':
    case 'quit':
    case 'exit':
      return { type: 'quit' };
    case 'help':
    case '?':
      return { type: 'help' };
    default:
      return rawWord.startsWith('/')
        ? usage(`unknown command ${rawWord}; try help`)
        : { type: 'say', message: text };
  }
}

function usage(text: string): ReplCommand {
  return { type: 'usage', text };
}
