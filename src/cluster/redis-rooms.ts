/**
 * Cluster mode: the Directory and the RoomBus over Redis, for one node of a service that
 * several roomcast processes share (docs/cluster.md). Each operation is one script
 * (scripts.ts), so Redis fixes each room's one order; the chats of one event-loop turn go to
 * a room in one script, not one round trip each. Rooms arrive through RoomSubscriptions
 * (pub/sub, filled from the room's log) and NodeLiveness keeps the node counted alive and
 * reaps the dead.
 *
 * An epoch key tells a Redis that lost its data (it keeps nothing on disk) from the one the
 * node started with: every script checks it. When it is gone, this node raises the
 * identifier counters past every id it knew of (so none is issued twice, T7), sets a new
 * epoch, and tells the members of every room it watched that the room's order was lost
 * (error 17): their rooms are gone from the service, so they must rejoin.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  BusUnavailable,
  JoinNotAnswered,
  LeaveNotAnswered,
  type BusHandler,
  type Directory,
  type JoinReply,
  type LeaveReply,
  type RefStatus,
  type RoomBus,
  type RoomLeft,
} from '../bus/bus.js';
import { Keys } from './keys.js';
import { NodeLiveness } from './node-liveness.js';
import { NotSent, RedisLink, Script, Unanswered } from './redis-link.js';
import { untilAnswered } from './until-answered.js';
import { RoomSubscriptions } from './room-subscriptions.js';
import * as lua from './scripts.js';

export interface ClusterOptions {
  /** redis://HOST:PORT */
  readonly url: string;
  /** Every key and channel starts with it; nodes with the same Redis and prefix are one service. */
  readonly prefix: string;
  readonly nodeId: string;
  /** A node silent this long is taken for dead and its members leave their rooms. */
  readonly nodeTimeoutMs: number;
  /** A Redis command not answered within this fails (error 16). */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

/** Events a room's log keeps for nodes catching up. */
const LOG_CAP = '1000';
/** How long a forgotten room's log outlives it, for a node still catching up. */
const KEEP_LOG_MS = '60000';
/** Chats of one room sent in one script at most. */
const BATCH_MAX = 512;
/** Identifiers a service may issue between two heartbeats, at most (the floor's margin). */
const ID_MARGIN = 1_000_000;

const scripts = {
  join: new Script(lua.joinScript),
  undoJoin: new Script(lua.undoJoinScript),
  leave: new Script(lua.leaveScript),
  leaveAll: new Script(lua.leaveAllScript),
  chat: new Script(lua.chatScript),
  issueJoinId: new Script(lua.issueJoinIdScript),
  heartbeat: new Script(lua.heartbeatScript),
  reap: new Script(lua.reapScript),
  recover: new Script(lua.recoverScript),
  stop: new Script(lua.stopScript),
};

interface ChatBatch {
  readonly args: string[];
  readonly done: Promise<void>;
  settle: (err?: Error) => void;
}

export class RedisRooms implements RoomBus, Directory {
  readonly spansNodes = true;
  private handler: BusHandler | undefined;
  private readonly keys: Keys;
  private readonly subs: RoomSubscriptions;
  private readonly liveness: NodeLiveness;
  private readonly batches = new Map<number, ChatBatch>();
  private flushScheduled = false;
  private recovering = false;
  /** Set by `close`: retries stop, and a second call waits on the first. */
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly link: RedisLink,
    private epoch: string,
    private readonly options: ClusterOptions,
  ) {
    this.keys = new Keys(options.prefix, options.nodeId);
    const log = options.logger;
    this.subs = new RoomSubscriptions(link, this.keys, log, {
      event: (event) => this.handler?.event(event),
      lost: (ref, why) => this.handler?.lost(ref, why),
    });
    this.liveness = new NodeLiveness(
      link,
      this.keys,
      scripts,
      {
        nodeTimeoutMs: options.nodeTimeoutMs,
        scriptArgs: () => [this.keys.prefix, this.epoch],
        logCap: LOG_CAP,
        keepLogMs: KEEP_LOG_MS,
      },
      log,
      {
        reaped: () => this.loseAll('this node was taken for dead'),
        epochLost: () => this.epochLost(),
      },
    );
  }

  /** Connects, finds or makes the service's epoch, and starts the node's liveness. */
  static async start(options: ClusterOptions): Promise<RedisRooms> {
    const link = await RedisLink.connect({
      url: options.url,
      timeoutMs: options.timeoutMs,
      logger: options.logger,
    });
    const keys = new Keys(options.prefix, options.nodeId);
    await link.call(['SET', keys.epoch, newEpoch(), 'NX']);
    const epoch = String(await link.call(['GET', keys.epoch]));
    const rooms = new RedisRooms(link, epoch, options);
    await rooms.subs.start();
    await rooms.liveness.start();
    options.logger.info({ node: options.nodeId, prefix: options.prefix, epoch }, 'cluster node up');
    return rooms;
  }

  /** True while both Redis connections are up (readiness). */
  get ready(): boolean {
    return this.link.ready && !this.recovering;
  }

  subscribe(handler: BusHandler): void {
    this.handler = handler;
  }

  async issueJoinId(): Promise<number> {
    const reply = await this.script(scripts.issueJoinId, []);
    return Number(reply[1]);
  }

  async joinIdIssued(id: number): Promise<boolean> {
    const last = await this.link.call(['GET', this.keys.counter('join')]);
    return id >= 1 && id <= Number(last ?? 0);
  }

  async refStatus(ref: number): Promise<RefStatus> {
    const [exists, last] = await Promise.all([
      this.link.call(['EXISTS', this.keys.room(ref)]),
      this.link.call(['GET', this.keys.counter('ref')]),
    ]);
    if (Number(exists) === 1) return 'live';
    return ref >= 1 && ref <= Number(last ?? 0) ? 'forgotten' : 'never';
  }

  async join(
    name: string,
    joinId: number,
    clientName: string,
    maxRooms: number,
    attempt: number,
  ): Promise<JoinReply> {
    let reply: unknown[];
    try {
      reply = await this.script(scripts.join, [
        name,
        String(joinId),
        clientName,
        String(maxRooms),
        this.options.nodeId,
        LOG_CAP,
        String(attempt),
      ]);
    } catch (err) {
      // Never written: Redis cannot carry it out, there is nothing to undo.
      if (!(err instanceof BusUnavailable) || err instanceof NotSent) throw err;
      throw new JoinNotAnswered(err.message, () => this.undoJoin(name, joinId, attempt));
    }
    switch (reply[0]) {
      case 'joined':
        return { kind: 'joined', ref: Number(reply[1]), seq: Number(reply[2]) };
      case 'already':
        return { kind: 'already', ref: Number(reply[1]), seq: Number(reply[2]) };
      default:
        return { kind: 'room-limit' };
    }
  }

  async leave(
    ref: number,
    joinId: number,
    clientName: string,
    attempt: number,
  ): Promise<LeaveReply> {
    const args = [String(ref), String(joinId), clientName, LOG_CAP, KEEP_LOG_MS, String(attempt)];
    const leave = (): Promise<unknown[]> => this.script(scripts.leave, args);
    const answer = (reply: unknown[]): LeaveReply =>
      reply[0] === 'left' ? { kind: 'left', seq: Number(reply[1]) } : { kind: 'not-member' };
    try {
      return answer(await leave());
    } catch (err) {
      // Never written: it did not happen, the connection is still a member (LeaveNotAnswered
      // is for a leave Redis may yet carry out).
      if (!(err instanceof BusUnavailable) || err instanceof NotSent) throw err;
      // Seen through: the late answer, or the leave again until the store answers. Only the
      // membership of `attempt` is taken out, once, however often it is sent.
      const outcome = this.untilAnswered(leave, err).then(answer);
      outcome.catch(() => {}); // the bus closed first; nobody waits any more
      throw new LeaveNotAnswered(err.message, outcome);
    }
  }

  async leaveAll(joinId: number, clientName: string | undefined): Promise<RoomLeft[]> {
    const reply = await this.script(scripts.leaveAll, [
      String(joinId),
      clientName ?? '',
      this.options.nodeId,
      LOG_CAP,
      KEEP_LOG_MS,
    ]);
    const left: RoomLeft[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      left.push({ ref: Number(reply[i]), seq: Number(reply[i + 1]) });
    }
    return left;
  }

  /** Queued for this turn's script to room `ref`; every chat of the batch shares its outcome. */
  chat(ref: number, clientName: string, message: string): Promise<void> {
    let batch = this.batches.get(ref);
    if (batch === undefined || batch.args.length >= BATCH_MAX * 2) {
      if (batch !== undefined) this.send(ref, batch);
      batch = newBatch();
      this.batches.set(ref, batch);
    }
    batch.args.push(clientName, message);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    return batch.done;
  }

  watch(ref: number, fromSeq: number, lastKnown?: number): void {
    this.subs.watch(ref, fromSeq, lastKnown);
  }

  nextSeq(ref: number): number | undefined {
    return this.subs.feeds.nextSeq(ref);
  }

  unwatch(ref: number): void {
    this.subs.unwatch(ref);
  }

  /** Once: the server closes its bus and its directory, which are this one object. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush();
      this.subs.close();
      await this.liveness.stop();
      await this.link.close();
    })();
    return this.closing;
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    for (const [ref, batch] of this.batches) this.send(ref, batch);
    this.batches.clear();
  };

  private send(ref: number, batch: ChatBatch): void {
    if (this.batches.get(ref) === batch) this.batches.delete(ref);
    this.script(scripts.chat, [String(ref), LOG_CAP, ...batch.args]).then(
      (reply) =>
        batch.settle(reply[0] === 'ok' ? undefined : new BusUnavailable(`ROOM_REF ${ref} is gone`)),
      (err: unknown) => batch.settle(err instanceof Error ? err : new Error(String(err))),
    );
  }

  /**
   * Takes out again what the JOIN of `attempt` made, if it made anything; until the store
   * answers. Sent by its source, so that it runs right behind that JOIN, before anything the
   * connection sends after its error 16.
   */
  private undoJoin(name: string, joinId: number, attempt: number): void {
    const args = [name, String(joinId), String(attempt), LOG_CAP, KEEP_LOG_MS];
    this.untilAnswered(() => this.script(scripts.undoJoin, args, true)).then(
      (reply) => {
        if (reply[0] === 'undone') {
          this.options.logger.info({ joinId, ref: reply[1] }, 'a JOIN given up on was undone');
        }
      },
      (err: unknown) => this.options.logger.warn({ err: String(err) }, 'JOIN not undone'),
    );
  }

  /** `op` until the store answers (until-answered.ts); stops once the bus is closing. */
  private untilAnswered(op: () => Promise<unknown[]>, failed?: unknown): Promise<unknown[]> {
    return untilAnswered(op, failed, () => this.closing !== undefined, this.options.logger);
  }

  /**
   * Runs a script with the prefix and epoch; a lost epoch starts recovery and fails it.
   * `bySource` sends it as EVAL (RedisLink.evaluate).
   */
  private async script(script: Script, args: string[], bySource = false): Promise<unknown[]> {
    const all = [this.keys.prefix, this.epoch, ...args];
    let reply: unknown[];
    try {
      reply = (await (bySource
        ? this.link.evaluate(script, all)
        : this.link.run(script, all))) as unknown[];
    } catch (err) {
      // Its answer, should it come late, goes through the same check.
      if (err instanceof Unanswered) {
        const late = err.late.then((answer) => this.checked(answer as unknown[]));
        late.catch(() => {}); // most callers never look
        throw new Unanswered(err.message, late);
      }
      throw err;
    }
    return this.checked(reply);
  }

  private checked(reply: unknown[]): unknown[] {
    if (reply[0] === 'epoch') {
      this.epochLost();
      throw new BusUnavailable('the cluster store lost its data; the service is recovering');
    }
    return reply;
  }

  private epochLost(): void {
    if (this.recovering) return;
    this.recovering = true;
    const { floors } = this.liveness;
    this.options.logger.error({ floors }, 'the cluster store lost its data: recovering');
    this.link
      .run(scripts.recover, [
        this.keys.prefix,
        newEpoch(),
        String(floors.join + ID_MARGIN),
        String(floors.ref + ID_MARGIN),
      ])
      .then(
        (epoch) => {
          this.epoch = String(epoch);
          this.recovering = false;
          this.options.logger.warn({ epoch: this.epoch }, 'cluster store recovered: new epoch');
          this.loseAll('the cluster store lost its data');
        },
        (err: unknown) => {
          this.recovering = false;
          this.options.logger.warn({ err: String(err) }, 'recovery failed; retrying');
        },
      );
  }

  /** Every room watched is gone from the service: its local members must rejoin. */
  private loseAll(why: string): void {
    for (const ref of this.subs.watched) {
      this.subs.forget(ref);
      this.handler?.lost(ref, why);
    }
  }
}

function newEpoch(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

function newBatch(): ChatBatch {
  let settle: (err?: Error) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err === undefined ? resolve() : reject(err));
  });
  // A failed batch's chats each get their error in their reply slot; nobody awaits the rest.
  done.catch(() => {});
  return { args: [], done, settle };
}
