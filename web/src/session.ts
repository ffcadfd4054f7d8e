/**
 * One connection's worth of chatting: JOIN, CHAT, LEAVE and DISCONNECT as promises over a
 * WebLink, with replies matched to requests by the terminal client's own ClientConnection
 * (src/client/connection.ts: the server answers in order; an ERROR_CODE answers the oldest
 * request waiting). Every event, `joined` and `left` included, reaches the app in the
 * server's order. A reconnect is a new session.
 */
import { ClientConnection } from '../../src/client/connection.js';
import { ClientError } from '../../src/client/errors.js';
import { checkName } from '../../src/client/text.js';
import type { ClientEvent, RoomInfo } from '../../src/client/types.js';
import { request } from '../../src/protocol/tcd-request-text.js';
import type { TcdReply } from '../../src/protocol/tcd-reply.js';
import type { WebLink } from './link.js';

type Chat = Extract<TcdReply, { type: 'chat' }>;

const TIMEOUT_MS = 10_000;

export class ChatSession {
  private readonly conn: ClientConnection<WebLink>;
  private readonly rooms = new Map<string, RoomInfo>();

  constructor(
    readonly link: WebLink,
    readonly name: string,
    private readonly onEvent: (event: ClientEvent) => void,
  ) {
    this.conn = new ClientConnection(link, onEvent);
  }

  info(room: string): RoomInfo | undefined {
    return this.rooms.get(room);
  }

  join(room: string): Promise<RoomInfo> {
    checkName('room name', room);
    const onAnswer = (reply: TcdReply | undefined): RoomInfo => {
      if (reply?.type !== 'joined') throw new ClientError('JOIN answered by something else');
      this.conn.roomNames.set(reply.roomRef, room);
      const info = { room, roomRef: reply.roomRef, joinId: reply.joinId, endpoint: this.conn.key };
      this.rooms.set(room, info);
      // Now, while the reply is dispatched: the join notice right behind it (T2) must find
      // the room already shown.
      this.onEvent({ type: 'joined', room: info });
      return info;
    };
    const wire = request.join(room, this.name);
    return this.conn.request({ kind: 'join', subject: room, wire, onAnswer }, TIMEOUT_MS);
  }

  /** Resolves on the echo (T1); `text` is what checkMessage returned (no blank line). */
  async chat(room: string, text: string): Promise<void> {
    const info = this.member(room);
    const isEcho = (r: Chat): boolean =>
      r.roomRef === info.roomRef && r.clientName === this.name && r.message.trim() === text.trim();
    const wire = request.chat(info.roomRef, info.joinId, this.name, text);
    const spec = { kind: 'chat', subject: room, wire, isEcho, onAnswer: () => {} } as const;
    await this.conn.request(spec, TIMEOUT_MS);
  }

  async leave(room: string): Promise<void> {
    const info = this.member(room);
    const wire = request.leave(info.roomRef, info.joinId, this.name);
    const onAnswer = (): void => {
      this.rooms.delete(room);
      this.onEvent({ type: 'left', room: info });
    };
    await this.conn.request({ kind: 'leave', subject: room, wire, onAnswer }, TIMEOUT_MS);
  }

  /** DISCONNECT: the server sends the leave notices, then closes (T6). */
  disconnect(): void {
    this.link.write(request.disconnect(this.name));
  }

  /** The connection is gone: every request still waiting fails. */
  lost(): void {
    this.conn.pending.failAll(new ClientError('connection lost'));
    this.rooms.clear();
  }

  private member(room: string): RoomInfo {
    const info = this.rooms.get(room);
    if (info === undefined) throw new ClientError(`not in room ${room}`);
    return info;
  }
}
