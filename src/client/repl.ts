/**
 * The interactive client (`roomcast client`): commands from a line editor (node:readline),
 * events from the server printed as they arrive.
 *
 * On a terminal, an incoming message clears the prompt line, prints, and redraws the prompt
 * with whatever the user had typed, so the two never garble each other. Without a terminal
 * (commands piped in) there is no prompt; each command is finished (its reply, or its echo
 * for a message, T1) before the next is read, and the session disconnects when input ends.
 *
 * Errors: the handout says a client prints an ERROR_CODE and terminates. This client does so
 * for an error in reply to a join (exit 1); any other error is printed and the session goes on.
 * Piped sessions also exit 1 if any command failed, so scripts can tell.
 */
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { RoomcastClient } from './client.js';
import { ServerError } from './errors.js';
import { helpText, parseCommand, type ReplCommand } from './repl-commands.js';
import { formatEvent, formatRoom } from './repl-format.js';

export interface ReplOptions {
  readonly client: RoomcastClient;
  readonly input: Readable;
  readonly output: Writable;
  readonly errorOutput: Writable;
  /** Prompt and line editing: true when stdin and stdout are a terminal. */
  readonly terminal: boolean;
}

export class Repl {
  private readonly rl: readline.Interface;
  private current: string | undefined;
  /** The prompt is on screen and must be redrawn under anything printed. */
  private prompting = false;
  private failed = false;
  private stopCode: number | undefined;

  constructor(private readonly o: ReplOptions) {
    this.rl = readline.createInterface({
      input: o.input,
      output: o.output,
      terminal: o.terminal,
      prompt: '> ',
    });
    this.rl.on('SIGINT', () => this.rl.close()); // Ctrl+C: leave like `quit`
  }

  /** Runs until `quit`, end of input, a join error or a lost connection; returns the exit status. */
  async run(): Promise<number> {
    const { client } = this.o;
    const unsubscribe = client.subscribe((event) => {
      const shown = formatEvent(event);
      if (shown !== undefined) this.print(shown.text, shown.error);
      if (event.type === 'closed' && !event.expected) this.stop(1);
    });
    if (this.o.terminal)
      this.print(`connected to ${client.endpoint} as ${client.name}; type help for commands`);
    this.showPrompt();
    try {
      for await (const line of this.lines()) {
        this.prompting = false;
        await this.execute(parseCommand(line));
        if (this.stopCode !== undefined) break;
        this.showPrompt();
      }
    } finally {
      this.rl.close();
    }
    if (client.isOpen) await client.disconnect();
    unsubscribe();
    return this.stopCode ?? (this.failed && !this.o.terminal ? 1 : 0);
  }

  /** Lines, with a trailing backslash joining a line to the next (multi-line messages). */
  private async *lines(): AsyncGenerator<string> {
    let held: string[] = [];
    for await (const line of this.rl) {
      if (line.endsWith('\\')) {
        held.push(line.slice(0, -1));
        this.rl.setPrompt('... ');
        this.showPrompt();
        continue;
      }
      const whole = [...held, line].join('\n');
      held = [];
      this.updatePrompt();
      yield whole;
    }
    if (held.length > 0) yield held.join('\n');
  }

  private async execute(cmd: ReplCommand): Promise<void> {
    const { client } = this.o;
    try {
      switch (cmd.type) {
        case 'empty':
          return;
        case 'help':
          return this.print(helpText);
        case 'usage':
          return this.fail(cmd.text);
        case 'rooms':
          return this.listRooms();
        case 'helo':
          await client.helo(cmd.text);
          return;
        case 'join':
          await client.join(cmd.room);
          this.current = cmd.room.trim();
          return this.updatePrompt();
        case 'send':
          return await client.chat(cmd.room, cmd.message);
        case 'say':
          if (this.current === undefined) return this.fail('not in a room: join ROOM first');
          return await client.chat(this.current, cmd.message);
        case 'leave':
          return await this.leave(cmd.room ?? this.current);
        case 'quit':
          return this.stop(0);
      }
    } catch (err) {
      // A server error was printed when it arrived (an 'error' event); after a lost
      // connection (stopping already) the failed command adds nothing to that message.
      const shown = err instanceof ServerError || this.stopCode !== undefined;
      if (!shown) this.print(`error: ${(err as Error).message}`, true);
      this.failed = true;
      if (cmd.type === 'join' && err instanceof ServerError) this.stop(1); // the handout: terminate
    }
  }

  private async leave(room: string | undefined): Promise<void> {
    if (room === undefined) return this.fail('usage: leave ROOM (not in a room)');
    await this.o.client.leave(room);
    if (this.current === room.trim()) this.current = this.o.client.joinedRooms().at(-1)?.room;
    this.updatePrompt();
  }

  private listRooms(): void {
    const rooms = this.o.client.joinedRooms();
    if (rooms.length === 0) return this.print('not in any room');
    for (const r of rooms) this.print(`${r.room === this.current ? '*' : ' '} ${formatRoom(r)}`);
  }

  private fail(text: string): void {
    this.failed = true;
    this.print(text, true);
  }

  private stop(code: number): void {
    this.stopCode ??= code;
    this.rl.close();
  }

  private updatePrompt(): void {
    this.rl.setPrompt(this.current === undefined ? '> ' : `${this.current}> `);
  }

  private showPrompt(): void {
    if (!this.o.terminal || this.stopCode !== undefined) return;
    this.prompting = true;
    this.rl.prompt(true);
  }

  /** Prints above the prompt: clear the line, write, redraw the prompt and the typed text. */
  private print(text: string, error = false): void {
    const stream = error ? this.o.errorOutput : this.o.output;
    if (!this.prompting) {
      stream.write(`${text}\n`);
      return;
    }
    readline.clearLine(this.o.output, 0);
    readline.cursorTo(this.o.output, 0);
    stream.write(`${text}\n`);
    this.rl.prompt(true);
  }
}
