/**
 * A node's feeds of the rooms it watches, for a bus whose events may arrive late, twice, out of
 * order or not at all (a cluster): each room's events are handed on in sequence order, each
 * exactly once, from the first one a local member needs (its join event) on. Events ahead of
 * the next one wait; a gap is reported so the bus can fetch the missing events from the
 * store's log, and if it cannot, the room is reported lost: never skipped silently.
 * Pure bookkeeping: no I/O, no timers.
 */
import type { RoomEvent } from './bus.js';

interface Feed {
  /** The next sequence number to hand on; undefined until the first event fixes it. */
  next: number | undefined;
  /** Events that arrived ahead of `next`, by seq. */
  readonly ahead: Map<number, RoomEvent>;
  /** Local members watching: the feed ends when the last one leaves. */
  watchers: number;
  /** The highest seq known to exist (from an event or an operation's reply). */
  known: number;
}

/** Events of room `ref` from `from` on are missing here: fetch them from the store's log. */
export interface Gap {
  readonly ref: number;
  readonly from: number;
}

export class RoomFeeds {
  private readonly feeds = new Map<number, Feed>();

  constructor(private readonly deliver: (event: RoomEvent) => void) {}

  /** Rooms watched now. */
  get refs(): number[] {
    return [...this.feeds.keys()];
  }

  isWatched(ref: number): boolean {
    return this.feeds.has(ref);
  }

  /**
   * A local member needs room `ref` from event `fromSeq` on (Infinity: from whatever comes
   * next); events up to `lastKnown` exist (by default `fromSeq` itself: its join event). The
   * gap returned, if any, is what must be fetched to get there.
   */
  watch(ref: number, fromSeq: number, lastKnown = fromSeq): Gap | undefined {
    let feed = this.feeds.get(ref);
    if (feed === undefined) {
      const next = Number.isFinite(fromSeq) ? fromSeq : undefined;
      feed = { next, ahead: new Map(), watchers: 0, known: 0 };
      this.feeds.set(ref, feed);
    }
    feed.watchers++;
    if (Number.isFinite(fromSeq)) feed.known = Math.max(feed.known, lastKnown);
    return this.gap(ref, feed);
  }

  unwatch(ref: number): void {
    const feed = this.feeds.get(ref);
    if (feed === undefined) return;
    if (--feed.watchers <= 0) this.feeds.delete(ref);
  }

  /** The gap room `ref` has now, if any: events known to exist that have not been handed on. */
  gapOf(ref: number): Gap | undefined {
    const feed = this.feeds.get(ref);
    return feed === undefined ? undefined : this.gap(ref, feed);
  }

  /** The next seq this node will hand on for `ref` (undefined: not watched or not yet fixed). */
  nextSeq(ref: number): number | undefined {
    return this.feeds.get(ref)?.next;
  }

  /**
   * An event arrived (live or fetched). It is handed on now if it is the next one, with any
   * that waited behind it; dropped if it was already handed on or its room is not watched;
   * kept otherwise, and the gap before it returned.
   */
  offer(event: RoomEvent): Gap | undefined {
    const feed = this.feeds.get(event.ref);
    if (feed === undefined) return undefined;
    feed.next ??= event.seq;
    feed.known = Math.max(feed.known, event.seq);
    if (event.seq < feed.next) return undefined; // a duplicate
    if (event.seq > feed.next) {
      feed.ahead.set(event.seq, event);
      return this.gap(event.ref, feed);
    }
    this.handOn(event.ref, feed, event);
    return this.gap(event.ref, feed);
  }

  /** The events before `ref`'s next one are beyond recovery: its feed ends here. */
  drop(ref: number): void {
    this.feeds.delete(ref);
  }

  /** The events missing before those that wait or are known to exist, if any. */
  private gap(ref: number, feed: Feed): Gap | undefined {
    if (feed.next === undefined) return undefined;
    if (feed.ahead.size === 0 && feed.known < feed.next) return undefined;
    return { ref, from: feed.next };
  }

  private handOn(ref: number, feed: Feed, first: RoomEvent): void {
    let event: RoomEvent | undefined = first;
    while (event !== undefined && this.feeds.get(ref) === feed) {
      feed.ahead.delete(event.seq);
      feed.next = event.seq + 1;
      this.deliver(event); // may unwatch the room (its last local member left)
      event = feed.ahead.get(feed.next);
    }
  }
}
