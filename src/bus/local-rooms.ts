/**
 * The single-process seams (the default): one `LocalRooms` is both the Directory and the
 * RoomBus of a server that is the whole service, a RoomBook whose events are delivered at once.
 * Delivery is synchronous but never re-entrant: an event appended while another is being
 * delivered (a slow reader cut off mid fan-out leaves its rooms) waits its turn, so a delivery
 * loop never sees its room change under it and every member sees one order (T13).
 */
import type {
  BusHandler,
  Directory,
  JoinReply,
  LeaveReply,
  RefStatus,
  RoomBus,
  RoomEvent,
  RoomLeft,
} from './bus.js';
import { RoomBook } from './room-book.js';

export class LocalRooms implements RoomBus, Directory {
  readonly spansNodes = false;
  private handler: BusHandler | undefined;
  private readonly book = new RoomBook((event) => this.append(event));
  private readonly queue: RoomEvent[] = [];
  private draining = false;

  subscribe(handler: BusHandler): void {
    this.handler = handler;
  }

  issueJoinId(): number {
    return this.book.issueJoinId();
  }

  joinIdIssued(id: number): boolean {
    return this.book.joinIdIssued(id);
  }

  refStatus(ref: number): RefStatus {
    return this.book.refStatus(ref);
  }

  join(
    name: string,
    joinId: number,
    clientName: string,
    maxRooms: number,
    attempt: number,
  ): JoinReply {
    return this.book.join(name, joinId, clientName, maxRooms, attempt);
  }

  leave(ref: number, joinId: number, clientName: string): LeaveReply {
    return this.book.leave(ref, joinId, clientName);
  }

  leaveAll(joinId: number, clientName: string | undefined): RoomLeft[] {
    return this.book.leaveAll(joinId, clientName);
  }

  chat(ref: number, clientName: string, message: string): void {
    this.book.chat(ref, clientName, message);
  }

  /** One node sees every room: nothing to subscribe to. */
  watch(): void {}

  unwatch(): void {}

  close(): Promise<void> {
    this.handler = undefined;
    return Promise.resolve();
  }

  private append(event: RoomEvent): void {
    this.queue.push(event);
    if (this.draining) return;
    this.draining = true;
    // Every queued event is delivered even if handing one on throws (a bug in the server):
    // the rest of the room's order must not be lost with it. The first failure is rethrown.
    let failure: Error | undefined;
    for (let i = 0; i < this.queue.length; i++) {
      try {
        this.handler?.event(this.queue[i] as RoomEvent);
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    this.queue.length = 0;
    this.draining = false;
    if (failure !== undefined) throw failure;
  }
}
