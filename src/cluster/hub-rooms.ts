/**
 * A worker's seams when the workers of one machine share a hub (`--workers N` without Redis;
 * room-hub.ts): the Directory and the RoomBus as requests over one ordered Unix-domain stream.
 * The chats of one turn to a room go in one request, without a reply: the stream keeps their
 * order, and a hub that is gone is a service that is gone (the worker exits, the primary with
 * it). Events come back per room, put in order by RoomFeeds as on any bus.
 */
import net from 'node:net';
import type {
  BusHandler,
  Directory,
  JoinReply,
  LeaveReply,
  RefStatus,
  RoomBus,
  RoomLeft,
} from '../bus/bus.js';
import { RoomFeeds } from '../bus/room-feeds.js';
import { decodeEvents } from './event-codec.js';
import { FrameKind, FrameReader, jsonFrame, type HubReply } from './hub-wire.js';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

export class HubRooms implements RoomBus, Directory {
  readonly spansNodes = true;
  private handler: BusHandler | undefined;
  private readonly feeds = new RoomFeeds((event) => this.handler?.event(event));
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly chats = new Map<number, unknown[]>();
  private flushScheduled = false;
  /** This worker closed the stream itself (it is stopping). */
  private closing = false;

  private constructor(private readonly socket: net.Socket) {
    const reader = new FrameReader((kind, payload) => this.frame(kind, payload));
    // A frame that cannot be read is a bug of this one program: the hub is taken for gone.
    socket.on('data', (chunk: Buffer) => {
      if (!reader.push(chunk)) socket.destroy();
    });
  }

  /** Connects to the hub; `gone` is called if the hub's stream ends. */
  static connect(path: string, gone: () => void): Promise<HubRooms> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(path, () => {
        socket.off('error', reject);
        socket.on('error', () => {});
        const rooms = new HubRooms(socket);
        // Gone is the hub's doing, not this worker's own close.
        socket.on('close', () => {
          if (!rooms.closing) gone();
        });
        resolve(rooms);
      });
      socket.once('error', reject);
    });
  }

  subscribe(handler: BusHandler): void {
    this.handler = handler;
  }

  issueJoinId(): Promise<number> {
    return this.call('issueJoinId', []) as Promise<number>;
  }

  joinIdIssued(id: number): Promise<boolean> {
    return this.call('joinIdIssued', [id]) as Promise<boolean>;
  }

  refStatus(ref: number): Promise<RefStatus> {
    return this.call('refStatus', [ref]) as Promise<RefStatus>;
  }

  join(
    room: string,
    joinId: number,
    clientName: string,
    maxRooms: number,
    attempt: number,
  ): Promise<JoinReply> {
    return this.call('join', [room, joinId, clientName, maxRooms, attempt]) as Promise<JoinReply>;
  }

  /** The hub carries a leave out once, at once (a RoomBook): no `attempt` to guard. */
  leave(ref: number, joinId: number, clientName: string): Promise<LeaveReply> {
    return this.call('leave', [ref, joinId, clientName]) as Promise<LeaveReply>;
  }

  leaveAll(joinId: number, clientName: string | undefined): Promise<RoomLeft[]> {
    return this.call('leaveAll', [joinId, clientName ?? null]) as Promise<RoomLeft[]>;
  }

  /** Queued for this turn's one request to the room; nothing to wait for. */
  chat(ref: number, clientName: string, message: string): void {
    let batch = this.chats.get(ref);
    if (batch === undefined) {
      batch = [ref];
      this.chats.set(ref, batch);
    }
    batch.push(clientName, message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  watch(ref: number, fromSeq: number, lastKnown?: number): void {
    this.flush(); // chats of this turn go before: they were made before the watch
    // The hub keeps a room's log only for joins it answered 'joined' (room-hub.ts): a member
    // taken in by an 'already' answer is watched from whatever comes next, as before.
    const from =
      lastKnown !== undefined && lastKnown < fromSeq ? Number.POSITIVE_INFINITY : fromSeq;
    this.feeds.watch(ref, from);
    this.send(0, 'watch', [ref, Number.isFinite(from) ? from : null]);
  }

  unwatch(ref: number): void {
    this.feeds.unwatch(ref);
    this.send(0, 'unwatch', [ref]);
  }

  close(): Promise<void> {
    this.closing = true;
    this.flush();
    this.socket.end();
    return Promise.resolve();
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const batch of this.chats.values()) this.send(0, 'chat', batch);
    this.chats.clear();
  };

  private call(op: string, args: unknown[]): Promise<unknown> {
    this.flush(); // the chats of this turn were made before it
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(id, op, args);
    });
  }

  private send(id: number, op: string, args: unknown[]): void {
    this.socket.write(jsonFrame(FrameKind.request, { id, op, args }));
  }

  private frame(kind: number, payload: Buffer): void {
    if (kind === FrameKind.reply) {
      let reply: HubReply;
      try {
        reply = JSON.parse(payload.toString()) as HubReply;
      } catch {
        this.socket.destroy(); // as for a frame that cannot be read
        return;
      }
      const pending = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) pending?.resolve(reply.value);
      else pending?.reject(new Error(reply.error ?? 'hub error'));
    } else if (kind === FrameKind.events) {
      // The hub sends every event a watch needs, in order, perhaps some twice (a watch that
      // follows an unwatch gets the room again from its log): RoomFeeds drops the repeats
      // and holds what comes ahead until the rest arrives behind it on this same stream.
      const ref = payload.readUInt32BE(0);
      const { events, bad } = decodeEvents(ref, payload.subarray(4));
      for (const event of events) this.feeds.offer(event);
      if (bad) {
        // Never from a hub of this program; but a room whose events did not all arrive must
        // say so (error 17) rather than wait for them.
        this.feeds.drop(ref);
        this.handler?.lost(ref, 'an event from the hub could not be read');
      }
    } else if (kind === FrameKind.lost) {
      const ref = payload.readUInt32BE(0);
      this.feeds.drop(ref);
      this.handler?.lost(ref, "the hub's log of the room no longer has the events needed");
    }
  }
}
