/**
 * roomcast's programmatic client: HELO, JOIN, CHAT, LEAVE and DISCONNECT as promises, and every
 * incoming event (chats per room, errors, closes) both to synchronous listeners and as an async
 * iterable. Rooms are addressed by name; ROOM_REF and JOIN_ID stay opaque strings (T7).
 *
 * Seed 003's alternative endpoint: when JOINED_CHATROOM names another SERVER_IP/PORT, the room
 * is joined again over a connection to that endpoint (opened or reused; T8 makes a JOIN_ID
 * valid only on the connection it was issued to), then left on the first connection, so the
 * client is a member once and the room's CHAT and LEAVE go where the server pointed.
 */
import { request } from '../protocol/tcd-request-text.js';
import type { TcdReply } from '../protocol/tcd-reply.js';
import { ClientConnection } from './connection.js';
import { webSocketEndpoint } from './dial.js';
import { alternativeEndpoint, endpointKey } from './endpoint.js';
import { ClientError } from './errors.js';
import { EventHub } from './event-hub.js';
import type { EventQueue } from './event-queue.js';
import { TcdSocket, type Endpoint } from './tcd-socket.js';
import { checkMessage, checkName, heloInfo } from './text.js';
import type { ClientEvent, ClientOptions, HeloInfo, RoomInfo } from './types.js';

type Joined = Extract<TcdReply, { type: 'joined' }>;
type Chat = Extract<TcdReply, { type: 'chat' }>;

/** How many alternative endpoints one JOIN may be sent on to (a loop guard). */
const maxHops = 3;

export class RoomcastClient implements AsyncIterable<ClientEvent> {
  readonly name: string;
  private readonly timeoutMs: number;
  private readonly follow: boolean;
  private readonly tls: ClientOptions['tls'];
  /** Open connections by `host:port`, each also under the address its host resolved to. */
  private readonly open = new Map<string, ClientConnection>();
  private readonly connecting = new Map<string, Promise<ClientConnection>>();
  private readonly rooms = new Map<string, { info: RoomInfo; conn: ClientConnection }>();
  private readonly hub = new EventHub<ClientEvent>();
  private closing = false;

  private readonly primary: ClientConnection;

  private constructor(options: ClientOptions, socket: TcdSocket) {
    this.name = options.name;
    this.primary = new ClientConnection(socket, (event) => this.emit(event));
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.follow = options.followAlternativeEndpoint ?? true;
    this.tls = options.tls;
    this.adopt(this.primary);
  }

  static async connect(options: ClientOptions): Promise<RoomcastClient> {
    checkName('CLIENT_NAME', options.name);
    const endpoint =
      options.url === undefined
        ? { host: options.host, port: options.port }
        : webSocketEndpoint(options.url);
    const socket = await TcdSocket.connect(endpoint, options.timeoutMs ?? 5000, options.tls);
    return new RoomcastClient(options, socket);
  }

  /** `host:port` of the server connected to first. */
  get endpoint(): string {
    return this.primary.key;
  }

  /** True until every connection has closed. */
  get isOpen(): boolean {
    return this.open.size > 0;
  }

  /** The rooms this client is in now, in the order joined. */
  joinedRooms(): RoomInfo[] {
    return [...this.rooms.values()].map((r) => r.info);
  }

  roomInfo(room: string): RoomInfo | undefined {
    return this.rooms.get(room.trim())?.info;
  }

  helo(text: string = this.name): Promise<HeloInfo> {
    const onAnswer = (reply: TcdReply | undefined): HeloInfo => {
      if (reply?.type !== 'helo') throw new ClientError('HELO answered by something else');
      const helo = heloInfo(reply.raw, reply.fields);
      this.emit({ type: 'helo', helo });
      return helo;
    };
    const spec = { kind: 'helo', subject: text, wire: request.helo(text), onAnswer } as const;
    return this.primary.request(spec, this.timeoutMs);
  }

  async join(room: string): Promise<RoomInfo> {
    const name = room.trim();
    checkName('room name', name);
    return this.joinVia(this.rooms.get(name)?.conn ?? this.primary, name, 0);
  }

  /** Resolves once the server echoes the message (T1); rejects on ERROR_CODE or timeout. */
  async chat(room: string, message: string): Promise<void> {
    const { info, conn } = this.member(room);
    const text = checkMessage(message);
    const isEcho = (r: Chat): boolean =>
      r.roomRef === info.roomRef && r.clientName === this.name && r.message.trim() === text.trim();
    const wire = request.chat(info.roomRef, info.joinId, this.name, text);
    const spec = { kind: 'chat', subject: info.room, wire, isEcho, onAnswer: () => {} } as const;
    await conn.request(spec, this.timeoutMs);
  }

  async leave(room: string): Promise<void> {
    const { info, conn } = this.member(room);
    const onAnswer = (): void => {
      if (this.rooms.get(info.room)?.conn === conn) this.rooms.delete(info.room);
      this.emit({ type: 'left', room: info });
    };
    const wire = request.leave(info.roomRef, info.joinId, this.name);
    await conn.request({ kind: 'leave', subject: info.room, wire, onAnswer }, this.timeoutMs);
  }

  /** DISCONNECT on every connection (T6: the server sends the leave notices, then closes). */
  async disconnect(): Promise<void> {
    this.closing = true;
    const conns = this.connections();
    for (const c of conns) c.socket.write(request.disconnect(this.name));
    await Promise.all(conns.map((c) => c.socket.waitClosed(this.timeoutMs)));
    for (const c of conns) c.socket.destroy(); // a server that ignored DISCONNECT
    await Promise.all(conns.map((c) => c.socket.waitClosed(this.timeoutMs)));
  }

  /** Drops every connection at once (the server then sends the leave notices to others, T6). */
  close(): void {
    this.closing = true;
    for (const c of this.connections()) c.socket.destroy();
  }

  /** Calls `listener` synchronously for each event, in the order the servers sent them. */
  subscribe(listener: (event: ClientEvent) => void): () => void {
    return this.hub.subscribe(listener);
  }

  /** Events from now on, until every connection has closed. */
  events(): EventQueue<ClientEvent> {
    return this.hub.iterator();
  }

  [Symbol.asyncIterator](): EventQueue<ClientEvent> {
    return this.events();
  }

  private member(room: string): { info: RoomInfo; conn: ClientConnection } {
    const entry = this.rooms.get(room.trim());
    if (entry === undefined) throw new ClientError(`not in room '${room.trim()}'`);
    return entry;
  }

  private async joinVia(conn: ClientConnection, room: string, hop: number): Promise<RoomInfo> {
    const follow = this.follow && hop < maxHops;
    const onAnswer = (reply: TcdReply | undefined): { reply: Joined; target?: Endpoint } => {
      if (reply?.type !== 'joined') throw new ClientError('JOIN answered by something else');
      conn.roomNames.set(reply.roomRef, room);
      const target = follow
        ? alternativeEndpoint(reply.serverIp, reply.port, conn.socket)
        : undefined;
      if (target === undefined) {
        this.record(room, reply, conn);
        return { reply };
      }
      // Decided while the reply is dispatched, so the join notice right behind it is dropped.
      conn.handedOff.add(reply.roomRef);
      return { reply, target };
    };
    const wire = request.join(room, this.name);
    const { reply, target } = await conn.request(
      { kind: 'join', subject: room, wire, onAnswer },
      this.timeoutMs,
    );
    if (target === undefined) return this.member(room).info;
    let next: ClientConnection;
    try {
      next = await this.connectionTo(target);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.emit({ type: 'warning', text: `room ${room}: ${why}; staying on ${conn.key}` });
      return this.record(room, reply, conn);
    }
    try {
      return await this.joinVia(next, room, hop + 1);
    } finally {
      // Joined there or not, this membership is not the one to use: leave it, quietly.
      const leave = request.leave(reply.roomRef, reply.joinId, this.name);
      const spec = {
        kind: 'leave',
        subject: room,
        wire: leave,
        quiet: true,
        onAnswer: () => {},
      } as const;
      conn.request(spec, this.timeoutMs).catch(() => {});
    }
  }

  private record(room: string, reply: Joined, conn: ClientConnection): RoomInfo {
    conn.handedOff.delete(reply.roomRef);
    const info = { room, roomRef: reply.roomRef, joinId: reply.joinId, endpoint: conn.key };
    this.rooms.set(room, { info, conn });
    this.emit({ type: 'joined', room: info });
    return info;
  }

  private connectionTo(target: Endpoint): Promise<ClientConnection> {
    const key = endpointKey(target);
    const known = this.open.get(key);
    if (known !== undefined) return Promise.resolve(known);
    let pending = this.connecting.get(key);
    if (pending === undefined) {
      pending = TcdSocket.connect(target, this.timeoutMs, this.tls).then((socket) => {
        const conn = new ClientConnection(socket, (event) => this.emit(event));
        this.adopt(conn);
        if (this.closing) socket.destroy();
        return conn;
      });
      const forget = (): void => void this.connecting.delete(key);
      pending.then(forget, forget);
      this.connecting.set(key, pending);
    }
    return pending;
  }

  private adopt(conn: ClientConnection): void {
    this.open.set(conn.key, conn);
    const resolved = { host: conn.socket.remoteAddress, port: conn.socket.endpoint.port };
    this.open.set(endpointKey(resolved), conn);
    conn.socket.on('close', () => this.lost(conn));
  }

  private lost(conn: ClientConnection): void {
    conn.pending.failAll(new ClientError(`connection to ${conn.key} closed`));
    for (const [key, c] of this.open) if (c === conn) this.open.delete(key);
    for (const [room, r] of this.rooms) if (r.conn === conn) this.rooms.delete(room);
    this.emit({ type: 'closed', endpoint: conn.key, expected: this.closing });
    if (this.open.size === 0) this.hub.end();
  }

  private connections(): ClientConnection[] {
    return [...new Set(this.open.values())];
  }

  private emit(event: ClientEvent): void {
    this.hub.emit(event);
  }
}
