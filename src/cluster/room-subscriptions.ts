/**
 * How a node receives the rooms it has members in: one pub/sub channel per room, subscribed
 * while the room has local members (a node gets no traffic of other rooms), and the room's
 * capped log in Redis to fill what pub/sub did not bring: the events before the subscription
 * was confirmed, and whatever was published while the subscriber connection was down.
 * RoomFeeds puts them in order; a gap the log can no longer fill is reported lost, never
 * skipped.
 *
 * A channel has one SUBSCRIBE or UNSUBSCRIBE under way at most; the next change waits for its
 * answer, then brings the channel to what the room needs by then. node-redis keeps its own
 * listeners by channel and updates them as answers come, so changes that overlap leave it and
 * Redis disagreeing: a room unsubscribed, subscribed and unsubscribed again before the first
 * UNSUBSCRIBE was answered had its second UNSUBSCRIBE never sent (node-redis still counted the
 * first listener), and stayed subscribed with nobody watching it. Each subscription still has
 * a listener of its own, so that no change can drop another's.
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

/** A room's channel on the subscriber connection. */
interface Channel {
  /** Subscribed with it: from its SUBSCRIBE's answer until its UNSUBSCRIBE's. */
  listener: Listener | undefined;
  /** A SUBSCRIBE or UNSUBSCRIBE of it is under way. */
  busy: boolean;
  /** To be subscribed anew (the probe was lost): unsubscribed first. */
  renew: boolean;
}

export class RoomSubscriptions {
  readonly feeds: RoomFeeds;
  /** Rooms whose channel is subscribed, being changed, or wanted. */
  private readonly channels = new Map<number, Channel>();
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

  watch(ref: number, fromSeq: number, lastKnown?: number): void {
    const fresh = !this.feeds.isWatched(ref);
    const gap = this.feeds.watch(ref, fromSeq, lastKnown);
    let channel = this.channels.get(ref);
    if (channel === undefined) {
      channel = { listener: undefined, busy: false, renew: false };
      this.channels.set(ref, channel);
    }
    // Not yet subscribed: its SUBSCRIBE's answer fills the room. Subscribed still (its
    // unsubscribe is to come) for a room watched anew: what came meanwhile was not kept.
    if (channel.listener !== undefined && (gap !== undefined || fresh)) this.fill(ref);
    this.settle(ref);
  }

  unwatch(ref: number): void {
    this.feeds.unwatch(ref);
    this.settle(ref);
  }

  /** Stops watching room `ref` (lost): its feed and subscription end. */
  forget(ref: number): void {
    this.feeds.drop(ref);
    this.tries.delete(ref);
    this.settle(ref);
  }

  /** Every room watched now (all lost at once when the store lost its data). */
  get watched(): number[] {
    return this.feeds.refs;
  }

  close(): void {
    this.closed = true;
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer);
  }

  /** Brings room `ref`'s channel to what the room needs now, unless a change is under way. */
  private settle(ref: number): void {
    const channel = this.channels.get(ref);
    if (channel === undefined || channel.busy || this.closed) return;
    const wanted = this.feeds.isWatched(ref);
    if (channel.listener !== undefined) {
      if (!wanted || channel.renew) this.unsubscribe(ref, channel, channel.listener);
    } else if (wanted) {
      this.subscribe(ref, channel);
    } else {
      this.channels.delete(ref);
    }
  }

  private subscribe(ref: number, channel: Channel): void {
    const listener: Listener = (message) => this.received(ref, message);
    channel.busy = true;
    channel.renew = false; // a new subscription is what a renewal asks for
    this.link.subscriber.subscribe(this.keys.channel(ref), listener, true).then(
      () => {
        channel.listener = listener;
        channel.busy = false;
        this.fill(ref); // whatever was published before the subscription took effect
        this.settle(ref);
      },
      (err: unknown) => {
        this.log.warn({ ref, err: String(err) }, 'subscribe failed; trying again');
        channel.busy = false;
        this.settleLater(ref);
      },
    );
  }

  private unsubscribe(ref: number, channel: Channel, listener: Listener): void {
    channel.busy = true;
    channel.renew = false;
    this.link.subscriber.unsubscribe(this.keys.channel(ref), listener, true).then(
      () => {
        channel.listener = undefined;
        channel.busy = false;
        this.settle(ref);
      },
      // Unanswered (the connection dropped): node-redis still has the listener and subscribes
      // it again when it reconnects, so it is still this channel's.
      () => {
        channel.busy = false;
        this.settleLater(ref);
      },
    );
  }

  private settleLater(ref: number): void {
    setTimeout(() => this.settle(ref), REFETCH_MS * 10).unref();
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
      for (const [ref, channel] of this.channels) {
        channel.renew = true;
        this.settle(ref);
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
