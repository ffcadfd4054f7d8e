/**
 * The hub of one machine's worker processes (`--workers N` without Redis): the primary process
 * holds the service's one RoomBook and the workers reach it over Unix-domain streams
 * (hub-wire.ts). It answers their operations in the order each sent them, appends every room
 * event to the room's recent log, and sends each event to the workers watching its room,
 * batched per event-loop turn. A worker that starts watching is first sent the room's events
 * from the one it needs. When a worker's stream closes (the worker died), the hub makes every
 * connection it owned leave its rooms, through the same ordered path: the members on the
 * other workers get the leave notices at once.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { RoomEvent } from '../bus/bus.js';
import { RoomBook } from '../bus/room-book.js';
import { encodeEvent } from './event-codec.js';
import {
  eventsFrame,
  frame,
  FrameKind,
  FrameReader,
  jsonFrame,
  type HubRequest,
} from './hub-wire.js';

/**
 * A room's log exists only while a worker owes the hub its `watch` for a JOIN the hub has
 * answered (the events between the join and the watch must reach it): one round trip, not
 * the room's life. While it exists it keeps at least LOG_CAP events, trimmed back to that
 * once it holds twice as many (trimming at every event would move the whole log per event),
 * and at most LOG_BYTES of them; a watch that needs what was trimmed gets `lost` (error 17).
 */
const LOG_CAP = 1000;
const LOG_BYTES = 4 * 1024 * 1024;
/**
 * Unsent bytes one worker's stream may hold: a worker that stops reading its events (stuck,
 * or stopped) is cut off as any slow reader is, and the primary starts another.
 */
const LINK_UNSENT_BYTES = 64 * 1024 * 1024;

interface RoomLog {
  /** Seq of `events[0]`. */
  first: number;
  /** Encoded events (strings: joined and turned into bytes once per frame). */
  readonly events: string[];
  bytes: number;
}

class WorkerLink {
  /** JOIN_IDs issued to this worker's connections and not yet gone. */
  readonly joinIds = new Set<number>();
  /** Rooms watched, with how many of this worker's members watch each. */
  readonly watching = new Map<number, number>();
  /** Joins answered whose watch has not come yet: the JOIN_IDs, by room. */
  readonly owedWatches = new Map<number, number[]>();
  /** Events to send at the end of the turn, by room. */
  readonly pending = new Map<number, string[]>();

  constructor(readonly socket: net.Socket) {}
}

export class RoomHub {
  private readonly book = new RoomBook((event) => this.appended(event));
  private readonly logs = new Map<number, RoomLog>();
  private readonly links = new Set<WorkerLink>();
  /** Watches owed, by room, over every link: a room's log is kept while it has any. */
  private readonly owed = new Map<number, number>();
  /** A join is being served: the events it appends are logged before the watch is owed. */
  private joining = false;
  private server: net.Server | undefined;
  private flushScheduled = false;

  constructor(private readonly log: Logger) {}

  /** The JOIN_IDs the workers hold (their connections that joined). */
  get memberCount(): number {
    let n = 0;
    for (const link of this.links) n += link.joinIds.size;
    return n;
  }

  /** Rooms whose recent events are kept for a watch still owed (for tests and metrics). */
  get loggedRooms(): number {
    return this.logs.size;
  }

  /** Listens on the Unix socket `path` for the workers. */
  async listen(path: string): Promise<void> {
    const server = net.createServer((socket) => this.connected(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  }

  async close(): Promise<void> {
    for (const link of this.links) link.socket.destroy();
    await new Promise<void>((resolve) => {
      if (this.server === undefined) resolve();
      else this.server.close(() => resolve());
    });
  }

  private connected(socket: net.Socket): void {
    const link = new WorkerLink(socket);
    this.links.add(link);
    const reader = new FrameReader((kind, payload) => {
      if (kind !== FrameKind.request) return;
      let req: HubRequest;
      try {
        req = JSON.parse(payload.toString()) as HubRequest;
      } catch (err) {
        // Workers and hub are one program: a frame that does not parse is a bug; that
        // worker goes (its members leave), not the service.
        this.log.error({ err }, 'unreadable request from a worker: cutting it off');
        socket.destroy();
        return;
      }
      this.request(link, req);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!reader.push(chunk)) {
        this.log.error('malformed frame from a worker: cutting it off');
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.gone(link));
  }

  /** A worker died or stopped: its connections leave every room they were in (T6). */
  private gone(link: WorkerLink): void {
    this.links.delete(link);
    let left = 0;
    for (const ref of [...link.owedWatches.keys()]) {
      while (link.owedWatches.has(ref)) this.settleOwed(link, ref, undefined);
    }
    for (const joinId of link.joinIds) left += this.book.leaveAll(joinId, undefined).length;
    if (link.joinIds.size > 0) {
      this.log.warn(
        { connections: link.joinIds.size, leaves: left },
        'worker gone: its members left',
      );
    }
    for (const ref of link.watching.keys()) this.forgetLogIfDone(ref);
  }

  private request(link: WorkerLink, req: HubRequest): void {
    let value: unknown;
    try {
      value = this.run(link, req.op, req.args);
    } catch (err) {
      this.send(link, jsonFrame(FrameKind.reply, { id: req.id, ok: false, error: String(err) }));
      return;
    }
    // Id 0: a request that wants no reply (chats: the stream keeps their order, and a hub
    // that is gone is a service that is gone).
    if (req.id !== 0) this.send(link, jsonFrame(FrameKind.reply, { id: req.id, ok: true, value }));
  }

  private run(link: WorkerLink, op: string, args: readonly unknown[]): unknown {
    const book = this.book;
    const n = (i: number): number => Number(args[i]);
    const s = (i: number): string => String(args[i]);
    switch (op) {
      case 'issueJoinId': {
        const id = book.issueJoinId();
        link.joinIds.add(id);
        return id;
      }
      case 'joinIdIssued':
        return book.joinIdIssued(n(0));
      case 'refStatus':
        return book.refStatus(n(0));
      case 'join': {
        const joinId = n(1);
        // Tracked as its worker's even if it was counted out before (a JOIN served after the
        // connection's leaveAll, during a drain): if the worker dies, it leaves too.
        link.joinIds.add(joinId);
        this.joining = true;
        let reply;
        try {
          reply = book.join(s(0), joinId, s(2), n(3), n(4));
        } finally {
          this.joining = false;
        }
        if (reply.kind === 'joined') this.owe(link, reply.ref, joinId);
        else if (reply.kind === 'already') this.dropLogIfUnowed(reply.ref);
        return reply;
      }
      case 'leave':
        this.settleOwed(link, n(0), n(1));
        return book.leave(n(0), n(1), s(2));
      case 'leaveAll': {
        const joinId = n(0);
        link.joinIds.delete(joinId);
        for (const ref of [...link.owedWatches.keys()]) this.settleOwed(link, ref, joinId);
        return book.leaveAll(joinId, args[1] === null ? undefined : s(1));
      }
      case 'chat':
        for (let i = 1; i + 1 < args.length; i += 2) book.chat(n(0), s(i), s(i + 1));
        return null;
      case 'watch':
        this.watch(link, n(0), args[1] === null ? Number.POSITIVE_INFINITY : n(1));
        return null;
      case 'unwatch':
        this.unwatch(link, n(0));
        return null;
      default:
        throw new Error(`unknown hub operation ${op}`);
    }
  }

  /** `link` will send its `watch` for `ref` (the join of `joinId` was answered). */
  private owe(link: WorkerLink, ref: number, joinId: number): void {
    const ids = link.owedWatches.get(ref);
    if (ids === undefined) link.owedWatches.set(ref, [joinId]);
    else ids.push(joinId);
    this.owed.set(ref, (this.owed.get(ref) ?? 0) + 1);
  }

  /**
   * One watch `link` owed for `ref` is settled: it came, or the member left before it did
   * (`joinId`, or any one of them when undefined and still owed).
   */
  private settleOwed(link: WorkerLink, ref: number, joinId: number | undefined): void {
    const ids = link.owedWatches.get(ref);
    if (ids === undefined) return;
    const at = joinId === undefined ? 0 : ids.indexOf(joinId);
    if (at === -1) return;
    ids.splice(at, 1);
    if (ids.length === 0) link.owedWatches.delete(ref);
    const left = (this.owed.get(ref) ?? 1) - 1;
    if (left > 0) this.owed.set(ref, left);
    else {
      this.owed.delete(ref);
      this.logs.delete(ref);
    }
  }

  private dropLogIfUnowed(ref: number): void {
    if (!this.owed.has(ref)) this.logs.delete(ref);
  }

  private watch(link: WorkerLink, ref: number, from: number): void {
    const count = link.watching.get(ref) ?? 0;
    link.watching.set(ref, count + 1);
    if (!Number.isFinite(from)) return;
    // The events it needs are taken from the log before the watch stops being owed.
    if (count === 0) this.replay(link, ref, from);
    this.settleOwed(link, ref, undefined);
  }

  /** What was appended before `link` watched `ref`, from the event `from` on. */
  private replay(link: WorkerLink, ref: number, from: number): void {
    // What was appended before this worker watched, from the event it needs on.
    const log = this.logs.get(ref);
    if (log === undefined) return;
    if (from < log.first) {
      const ref32 = Buffer.alloc(4);
      ref32.writeUInt32BE(ref);
      this.flushLink(link); // what was queued for it goes first
      this.send(link, frame(FrameKind.lost, ref32));
      return;
    }
    const start = from - log.first;
    if (start < log.events.length) this.queue(link, ref, log.events.slice(start));
  }

  private unwatch(link: WorkerLink, ref: number): void {
    const count = (link.watching.get(ref) ?? 0) - 1;
    if (count > 0) link.watching.set(ref, count);
    else link.watching.delete(ref);
    this.forgetLogIfDone(ref);
  }

  private appended(event: RoomEvent): void {
    const bytes = encodeEvent(event);
    if (this.joining || this.owed.has(event.ref)) this.logged(event, bytes);
    for (const link of this.links) {
      if (link.watching.has(event.ref)) this.queue(link, event.ref, [bytes]);
    }
    if (event.kind === 'leave') this.forgetLogIfDone(event.ref);
  }

  private logged(event: RoomEvent, bytes: string): void {
    let log = this.logs.get(event.ref);
    if (log === undefined) {
      log = { first: event.seq, events: [], bytes: 0 };
      this.logs.set(event.ref, log);
    }
    log.events.push(bytes);
    log.bytes += bytes.length;
    if (log.events.length < 2 * LOG_CAP && log.bytes <= LOG_BYTES) return;
    let cut = Math.max(0, log.events.length - LOG_CAP);
    let kept = log.bytes;
    for (let i = 0; i < cut; i++) kept -= (log.events[i] as string).length;
    while (kept > LOG_BYTES && cut < log.events.length - 1)
      kept -= (log.events[cut++] as string).length;
    log.events.splice(0, cut);
    log.bytes = kept;
    log.first = event.seq - log.events.length + 1;
  }

  /** A forgotten room nobody watches needs no log. */
  private forgetLogIfDone(ref: number): void {
    if (this.book.refStatus(ref) === 'live' || this.owed.has(ref)) return;
    for (const link of this.links) if (link.watching.has(ref)) return;
    this.logs.delete(ref);
  }

  private queue(link: WorkerLink, ref: number, events: string[]): void {
    const list = link.pending.get(ref);
    if (list === undefined) link.pending.set(ref, [...events]);
    else list.push(...events);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const link of this.links) this.flushLink(link);
  };

  private flushLink(link: WorkerLink): void {
    if (link.pending.size === 0) return;
    const frames: Buffer[] = [];
    for (const [ref, events] of link.pending) {
      frames.push(eventsFrame(ref, Buffer.from(events.join(''))));
    }
    link.pending.clear();
    this.send(link, Buffer.concat(frames));
  }

  private send(link: WorkerLink, bytes: Buffer): void {
    if (link.socket.destroyed) return;
    link.socket.write(bytes);
    if (link.socket.writableLength > LINK_UNSENT_BYTES) {
      this.log.error(
        { unsent: link.socket.writableLength },
        'a worker does not read its events: cutting it off',
      );
      link.socket.destroy();
    }
  }
}
