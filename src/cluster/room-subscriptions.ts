/**
 * How a node receives the rooms it has members in: one pub/sub channel per room, subscribed
 * while the room has local members (a node gets no traffic of other rooms), and the room's
 * capped log in Redis to fill what pub/sub did not bring: the events before the subscription
 * was confirmed, and whatever was published while the subscriber connection was down.
 * RoomFeeds puts them in order; a gap the log can no longer fill is reported lost, never
 * skipped.
 *
 * Each subscription has a listener of its own, and is ended by removing that listener: node-redis
 * drops a channel's listeners when the UNSUBSCRIBE of "every listener" is answered, so a room
 * subscribed again before that answer (its last local member left and another joined) would
 * lose its new listener and stay unsubscribed without a word.
 *
 * A subscription can die without a word (Centrifugo #1189: a wedged pub/sub connection lost
 * deliveries while health checks stayed green), so the node publishes a probe to itself every
 * few seconds; when one does not come back in time, every room is caught up from its log and
 * resubscribed.
 */
import type { Logger } from 'pino';
import type { RoomEvent } from '../bus/bus.js';
import { RoomFeeds } from '../bus/room-feeds.js';
import { decodeEvents } from './event-codec.js';
import type { Keys } from './keys.js';
import type { RedisLink } from './redis-link.js';

/** Events fetched from a room's log at once. */
const FETCH_COUNT = 1000;
/** A gap still open after a fetch is looked at again this much later... */
const REFETCH_MS = 50;
/** ...at most this many times before the room is given up as lost. */
const REFETCH_TRIES = 40;
const PROBE_EVERY_MS = 2000;
const PROBE_LOST_MS = 7000;

export interface SubscriptionEvents {
  event(event: RoomEvent): void;
  lost(ref: number, why: string): void;
}

type Listener = (message: Buffer) => void;

export class RoomSubscriptions {
  readonly feeds: RoomFeeds;
  /** Rooms subscribed (or being subscribed), each with its listener. */
  private readonly subscribed = new Map<number, Listener>();
  private probeListener: Listener = () => (this.lastProbe = Date.now());
  /** Rooms being fetched from their log now. */
  private readonly fetching = new Set<number>();
  /** Fetches in a row after which a room's gap stayed open. */
  private readonly tries = new Map<number, number>();
  private probeTimer: NodeJS.Timeout | undefined;
  private lastProbe = Date.now();
  private closed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: Keys,
    private readonly log: Logger,
    private readonly out: SubscriptionEvents,
  ) {
    this.feeds = new RoomFeeds((event) => out.event(event));
  }

  /** Subscribes the node's probe channel, and catches every room up after a reconnect. */
  async start(): Promise<void> {
    await this.link.subscriber.subscribe(this.keys.probe, this.probeListener, true);
    this.link.subscriber.on('ready', () => this.catchUpAll('the subscriber reconnected'));
    this.probeTimer = setInterval(() => this.probe(), PROBE_EVERY_MS);
    this.probeTimer.unref();
  }

  watch(ref: number, fromSeq: number): void {
    const gap = this.feeds.watch(ref, fromSeq);
    if (this.subscribed.has(ref)) {
      if (gap !== undefined) this.fill(ref);
    } else {
      this.subscribe(ref);
    }
  }

  unwatch(ref: number): void {
    this.feeds.unwatch(ref);
    if (!this.feeds.isWatched(ref)) this.unsubscribe(ref);
  }

  /** Stops watching room `ref` (lost): its feed and subscription end. */
  forget(ref: number): void {
    this.feeds.drop(ref);
    this.tries.delete(ref);
    this.unsubscribe(ref);
  }

  /** Every room watched now (all lost at once when the store lost its data). */
  get watched(): number[] {
    return this.feeds.refs;
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
  }

  private subscribe(ref: number): void {
    const listener: Listener = (message) => this.received(ref, message);
    this.subscribed.set(ref, listener);
    this.link.subscriber.subscribe(this.keys.channel(ref), listener, true).then(
      // Whatever was published before the subscription took effect is in the log.
      () => this.fill(ref),
      (err: unknown) => {
        this.log.warn({ ref, err: String(err) }, 'subscribe failed; trying again');
        if (this.subscribed.get(ref) === listener) this.subscribed.delete(ref);
        setTimeout(() => {
          if (this.feeds.isWatched(ref) && !this.subscribed.has(ref)) this.subscribe(ref);
        }, REFETCH_MS * 10).unref();
      },
    );
  }

  /** Ends room `ref`'s subscription, if it has one: its own listener only (see the top). */
  private unsubscribe(ref: number): void {
    const listener = this.subscribed.get(ref);
    if (listener === undefined) return;
    this.subscribed.delete(ref);
    this.link.subscriber.unsubscribe(this.keys.channel(ref), listener, true).catch(() => {
      // Down: the subscription is gone with the connection, or dropped on its return.
    });
  }

  private received(ref: number, message: Buffer): void {
    const { events, bad } = decodeEvents(ref, message);
    if (bad) this.log.error({ ref, bytes: message.length }, 'undecodable room event');
    let gap = false;
    for (const event of events) if (this.feeds.offer(event) !== undefined) gap = true;
    if (gap) this.fill(ref);
  }

  /** Fetches room `ref`'s events from its log, from the next one this node needs. */
  private fill(ref: number): void {
    if (this.closed || this.fetching.has(ref)) return;
    const from = this.feeds.nextSeq(ref);
    if (from === undefined) return;
    this.fetching.add(ref);
    this.link
      .call(['XRANGE', this.keys.log(ref), `${from}-1`, '+', 'COUNT', String(FETCH_COUNT)])
      .then(
        (reply) => this.fetched(ref, from, reply),
        (err: unknown) => {
          // Down, slow or refusing: look again while the room is watched. The subscriber's
          // reconnect also catches every room up, but a Redis that only stopped answering
          // for a while never drops it, and a member whose join event is in the log (a JOIN
          // waiting for it) must not wait for the room's next event to come.
          this.fetching.delete(ref);
          this.log.warn({ ref, err: String(err) }, 'cannot fetch a room log yet');
          setTimeout(() => {
            if (this.feeds.isWatched(ref)) this.fill(ref);
          }, REFETCH_MS * 10).unref();
        },
      );
  }

  private fetched(ref: number, from: number, reply: unknown): void {
    this.fetching.delete(ref);
    if (!this.feeds.isWatched(ref)) return;
    const entries = Array.isArray(reply) ? (reply as unknown[]) : [];
    let first: number | undefined;
    for (const entry of entries) {
      const [id, fields] = entry as [unknown, unknown[] | undefined];
      first ??= Number(String(id).split('-')[0]);
      const value = fields?.[1];
      if (value !== undefined) this.received(ref, Buffer.from(value as string | Buffer));
    }
    if (first !== undefined && first > from && (this.feeds.nextSeq(ref) ?? first) <= from) {
      this.lose(ref, `events ${from} to ${first - 1} are no longer in the room's log`);
      return;
    }
    if (this.feeds.gapOf(ref) === undefined) {
      this.tries.delete(ref);
      return;
    }
    if (entries.length === FETCH_COUNT) {
      this.fill(ref);
      return;
    }
    // Events known to exist that the log did not have yet: look again, then give up.
    const tries = (this.tries.get(ref) ?? 0) + 1;
    if (tries > REFETCH_TRIES) {
      this.lose(ref, `event ${this.feeds.nextSeq(ref) ?? from} never arrived`);
      return;
    }
    this.tries.set(ref, tries);
    setTimeout(() => this.fill(ref), REFETCH_MS).unref();
  }

  private lose(ref: number, why: string): void {
    this.forget(ref);
    this.out.lost(ref, why);
  }

  private catchUpAll(why: string): void {
    if (this.closed) return;
    const refs = this.feeds.refs;
    if (refs.length > 0) this.log.info({ rooms: refs.length, why }, 'catching rooms up');
    for (const ref of refs) this.fill(ref);
  }

  private probe(): void {
    if (Date.now() - this.lastProbe > PROBE_LOST_MS && this.link.ready) {
      this.log.error('pub/sub probe not received: resubscribing every room');
      this.lastProbe = Date.now();
      for (const ref of [...this.subscribed.keys()]) {
        this.unsubscribe(ref);
        this.subscribe(ref);
      }
      const stale = this.probeListener;
      this.probeListener = () => (this.lastProbe = Date.now());
      this.link.subscriber.unsubscribe(this.keys.probe, stale, true).catch(() => {});
      this.link.subscriber.subscribe(this.keys.probe, this.probeListener, true).catch(() => {});
      this.catchUpAll('probe lost');
    }
    this.link.call(['PUBLISH', this.keys.probe, String(Date.now())]).catch(() => {});
  }
}
