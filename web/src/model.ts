/**
 * What the web client shows, without the page: the rooms by name (a room keeps its name, and
 * its messages, across reconnects that give it a new ROOM_REF and JOIN_ID), each room's
 * messages and unread count, and which of the chats are one's own. Pure: the view renders
 * what these methods return, and tests drive it without a browser.
 */

export type MessageKind = 'chat' | 'joined' | 'left' | 'system' | 'error';

export interface Message {
  /** Unique in the page: what the view renders once. */
  readonly id: number;
  readonly kind: MessageKind;
  /** The sender, for chats and notices. */
  readonly from: string;
  readonly text: string;
  readonly at: Date;
  /** Echo of a message this page sent (T1); a same-named other user's message is not. */
  readonly own: boolean;
}

export type RoomStatus = 'joined' | 'rejoining';

export interface Room {
  readonly name: string;
  roomRef: string;
  joinId: string;
  status: RoomStatus;
  unread: number;
  readonly messages: Message[];
}

/** Messages kept per room; older ones leave the page, so a long-open tab stays small. */
export const KEEP_MESSAGES = 500;

export class ChatModel {
  private readonly byName = new Map<string, Room>();
  /** Messages sent and not yet echoed, oldest first, per room: what makes a chat "own". */
  private readonly outgoing = new Map<string, string[]>();
  private nextId = 1;
  current: string | undefined;

  constructor(readonly me: string) {}

  get rooms(): Room[] {
    return [...this.byName.values()];
  }

  room(name: string): Room | undefined {
    return this.byName.get(name);
  }

  get totalUnread(): number {
    return this.rooms.reduce((n, r) => n + r.unread, 0);
  }

  /**
   * JOINED_CHATROOM. A room joined again after a reconnect keeps its messages and gets a
   * note saying its identifiers changed; a new room becomes the current one.
   */
  joined(name: string, roomRef: string, joinId: string): { room: Room; note?: Message } {
    const known = this.byName.get(name);
    if (known === undefined) {
      const room: Room = { name, roomRef, joinId, status: 'joined', unread: 0, messages: [] };
      this.byName.set(name, room);
      this.current = name;
      return { room };
    }
    const was = known.joinId;
    const rejoin = known.status === 'rejoining';
    Object.assign(known, { roomRef, joinId, status: 'joined' });
    if (!rejoin) return { room: known }; // a repeated JOIN (T5): the same identifiers
    const note = this.add(known, {
      kind: 'system',
      from: '',
      text: `Rejoined after reconnecting: new JOIN_ID ${joinId} (was ${was}), ROOM_REF ${roomRef}.`,
    });
    return { room: known, note };
  }

  /** The connection is gone: every room waits to be joined again; those that were joined say so. */
  lost(why: string): { room: Room; message: Message }[] {
    this.outgoing.clear();
    const notes: { room: Room; message: Message }[] = [];
    for (const room of this.rooms) {
      if (room.status === 'joined') {
        notes.push({ room, message: this.add(room, { kind: 'system', from: '', text: why }) });
      }
      room.status = 'rejoining';
    }
    return notes;
  }

  /** LEFT_CHATROOM: the room leaves the list; the current room moves to a neighbour. */
  left(name: string): void {
    const names = [...this.byName.keys()];
    const at = names.indexOf(name);
    this.byName.delete(name);
    this.outgoing.delete(name);
    if (this.current === name) this.current = names[at + 1] ?? names[at - 1];
  }

  select(name: string): Room | undefined {
    const room = this.byName.get(name);
    if (room === undefined) return undefined;
    this.current = name;
    room.unread = 0;
    return room;
  }

  /** A CHAT we are about to send to `room`. */
  sending(room: string, text: string): void {
    const queue = this.outgoing.get(room) ?? [];
    queue.push(text.trim());
    this.outgoing.set(room, queue);
  }

  /** A CHAT of ours that was refused or lost: its echo will not come. */
  notSent(room: string, text: string): void {
    const queue = this.outgoing.get(room);
    const at = queue?.indexOf(text.trim()) ?? -1;
    if (at !== -1) queue?.splice(at, 1);
  }

  /** An incoming CHAT frame (chat, join or leave notice) for a room we show; undefined if not. */
  chat(
    name: string | undefined,
    from: string,
    text: string,
    notice: 'joined' | 'left' | undefined,
  ): { room: Room; message: Message } | undefined {
    const room = name === undefined ? undefined : this.byName.get(name);
    if (room === undefined) return undefined;
    let own = false;
    const queue = this.outgoing.get(room.name);
    if (notice === undefined && from === this.me && queue?.[0] === text.trim()) {
      queue.shift();
      own = true;
    }
    const message = this.add(room, { kind: notice ?? 'chat', from, text, own });
    // Unread: what others said or did while another room was shown, not our own doings.
    if (this.current !== room.name && !own && !(notice !== undefined && from === this.me)) {
      room.unread++;
    }
    return { room, message };
  }

  /** A note in one room: an error answering a request there, for instance. */
  note(name: string, kind: 'system' | 'error', text: string): Message | undefined {
    const room = this.byName.get(name);
    return room === undefined ? undefined : this.add(room, { kind, from: '', text });
  }

  private add(room: Room, m: Omit<Message, 'id' | 'at' | 'own'> & { own?: boolean }): Message {
    const message: Message = { id: this.nextId++, at: new Date(), own: false, ...m };
    room.messages.push(message);
    if (room.messages.length > KEEP_MESSAGES) room.messages.shift();
    return message;
  }
}
