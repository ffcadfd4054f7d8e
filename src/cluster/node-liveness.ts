/**
 * Which nodes are alive, and what happens to the members of one that is not. Every node
 * renews its entry in a sorted set every beat (a second, or a sixth of `--node-timeout-ms`
 * if that is shorter), scored by when it should be taken for dead: the timeout less two
 * beats, one for the reaper's look to come round and one for its round trips. So a node is
 * taken for dead only after missing several beats (a pause of half the 3 s minimum is not a
 * death), and its members have left within the timeout. Every node also looks, every beat,
 * for entries past their time; the first to take a dead node's lock (SET NX) runs the reap
 * script, which publishes the leave notice of each of its members, once, through the rooms'
 * ordered path. So within the timeout after a node dies (SIGKILL, power cut), its members have
 * left every room on every node.
 *
 * A node that was taken for dead while alive (a pause longer than the timeout) learns it at
 * its next heartbeat: its members have left already, so it tells them and closes them.
 *
 * The heartbeat's reply also carries the service's identifier counters, the floor a node
 * raises them past should Redis lose its data (scripts.ts, recoverScript).
 */
import type { Logger } from 'pino';
import type { Keys } from './keys.js';
import type { RedisLink, Script } from './redis-link.js';

export interface LivenessEvents {
  /** The others took this node for dead: its members are gone from the service. */
  reaped(): void;
  /** A script found no epoch, or another: Redis lost its data. */
  epochLost(): void;
}

/** The longest beat. */
const EVERY_MS = 1000;

export class NodeLiveness {
  /** The highest JOIN_ID and ROOM_REF counters seen: the floor after a loss of data. */
  readonly floors = { join: 0, ref: 0 };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: Keys,
    private readonly scripts: { heartbeat: Script; reap: Script; stop: Script },
    private readonly settings: {
      readonly nodeTimeoutMs: number;
      readonly scriptArgs: () => [string, string];
      readonly logCap: string;
      readonly keepLogMs: string;
    },
    private readonly log: Logger,
    private readonly out: LivenessEvents,
  ) {}

  /** Reaps what a previous run under this node id left behind, then beats and watches. */
  async start(): Promise<void> {
    await this.reap(this.keys.nodeId, 'a previous run of this node');
    await this.link.call(['DEL', this.keys.reapedMark(this.keys.nodeId)]);
    await this.beat();
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  /**
   * Stops beating and leaves the set: a node stopped on purpose published its leaves itself.
   * Leaves the store could not take stay for another node to reap (scripts.ts, stopScript);
   * if the store cannot be reached now, the entry runs out and the same happens later.
   */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    const outcome = await this.link
      .run(this.scripts.stop, [this.keys.prefix, this.keys.nodeId])
      .catch((err: unknown) => `not reached: ${String(err)}`);
    if (outcome !== 'gone') this.log.warn({ outcome }, 'node stopped with members to reap');
  }

  /** The beat: renewal and the reaper's look. */
  private get everyMs(): number {
    return Math.min(EVERY_MS, Math.floor(this.settings.nodeTimeoutMs / 6));
  }

  private async tick(): Promise<void> {
    try {
      await this.beat();
      await this.reapTheDead();
    } catch (err) {
      // Redis is down: the next tick tries again; others will not reap us for a while.
      this.log.debug({ err: String(err) }, 'heartbeat failed');
    }
  }

  private async beat(): Promise<void> {
    const deadline = Date.now() + this.settings.nodeTimeoutMs - 2 * this.everyMs;
    const reply = (await this.link.run(this.scripts.heartbeat, [
      ...this.settings.scriptArgs(),
      this.keys.nodeId,
      String(deadline),
    ])) as unknown[];
    if (reply[0] === 'epoch') {
      this.out.epochLost();
      return;
    }
    this.floors.join = Math.max(this.floors.join, Number(reply[1]));
    this.floors.ref = Math.max(this.floors.ref, Number(reply[2]));
    if (reply[0] === 'reaped') {
      this.log.error('this node was taken for dead: its members have left their rooms');
      this.out.reaped();
    }
  }

  private async reapTheDead(): Promise<void> {
    const dead = (await this.link.call([
      'ZRANGEBYSCORE',
      this.keys.nodes,
      '-inf',
      String(Date.now()),
    ])) as string[];
    for (const nodeId of dead) {
      if (nodeId === this.keys.nodeId) continue;
      const lock = await this.link.call([
        'SET',
        this.keys.reapLock(nodeId),
        this.keys.nodeId,
        'NX',
        'PX',
        '30000',
      ]);
      if (lock === 'OK') await this.reap(nodeId, 'its heartbeat stopped');
    }
  }

  private async reap(nodeId: string, why: string): Promise<void> {
    const reply = (await this.link.run(this.scripts.reap, [
      ...this.settings.scriptArgs(),
      nodeId,
      this.settings.logCap,
      this.settings.keepLogMs,
    ])) as unknown[];
    if (reply[0] === 'epoch') {
      this.out.epochLost();
      return;
    }
    const [, connections, leaves] = reply;
    if (Number(connections) > 0 || nodeId !== this.keys.nodeId) {
      this.log.warn({ node: nodeId, why, connections, leaves }, 'node reaped');
    }
  }
}
