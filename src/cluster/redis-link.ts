/**
 * The node's two connections to Redis (node-redis, Redis's own client, with RESP3 and
 * auto-pipelining: commands issued in one turn go out together): one for commands and
 * scripts, one for its pub/sub subscriptions. Both reconnect with backoff. A command fails
 * within `timeoutMs`, and at once while the connection is down (no offline queue), as
 * BusUnavailable: so a request becomes an error reply in bounded time, never a hang.
 * node-redis's own `timeout` only covers a command not yet written: one written to a Redis
 * that then stops answering (stopped, overloaded, a network that drops packets) would wait
 * for ever, so every command also has a deadline of ours. Redis may still carry out a command
 * given up on, once it answers again: such a failure (`Unanswered`) carries the answer to
 * come, for the callers that must know what became of it (redis-rooms.ts).
 * Scripts run by EVALSHA, falling back to EVAL when Redis has forgotten them (NOSCRIPT: a
 * restarted Redis has an empty script cache).
 */
import { createHash } from 'node:crypto';
import {
  ClientClosedError,
  ClientOfflineError,
  createClient,
  ErrorReply,
  type RedisClientType,
} from '@redis/client';
import type { Logger } from 'pino';
import { BusUnavailable } from '../bus/bus.js';

export interface RedisLinkOptions {
  readonly url: string;
  /** A command not answered within this is given up on (BusUnavailable). */
  readonly timeoutMs: number;
  readonly logger: Logger;
}

export class Script {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }
}

type Client = RedisClientType;

/** A command sent and not answered within the deadline; `late` is its answer, should it come. */
export class Unanswered extends BusUnavailable {
  constructor(
    message: string,
    readonly late: Promise<unknown>,
  ) {
    super(message);
  }
}

/** A command never written, the connection being down: Redis cannot carry it out. */
export class NotSent extends BusUnavailable {}

/** Reconnect after 50 ms, doubling, at most every 2 s. */
function backoff(retries: number): number {
  return Math.min(50 * 2 ** retries, 2000);
}

export class RedisLink {
  private constructor(
    readonly commands: Client,
    readonly subscriber: Client,
    private readonly options: RedisLinkOptions,
  ) {}

  /** Connects both; fails if Redis cannot be reached within `startMs`. */
  static async connect(options: RedisLinkOptions, startMs = 5000): Promise<RedisLink> {
    const make = (role: string): Client => {
      const client: Client = createClient({
        url: options.url,
        disableOfflineQueue: true,
        socket: { reconnectStrategy: backoff, connectTimeout: options.timeoutMs },
        pingInterval: 5000,
      });
      let down = false;
      client.on('error', (err: Error) => {
        if (down) return;
        down = true;
        options.logger.warn({ role, err: err.message }, 'redis connection lost; reconnecting');
      });
      client.on('ready', () => {
        if (down) options.logger.info({ role }, 'redis connection back');
        down = false;
      });
      return client;
    };
    const commands = make('commands');
    const subscriber = make('subscriber');
    const timer = new Promise<never>((_, reject) => {
      setTimeout(() => reject(new Error(`cannot reach Redis at ${options.url}`)), startMs).unref();
    });
    try {
      await Promise.race([Promise.all([commands.connect(), subscriber.connect()]), timer]);
    } catch (err) {
      commands.destroy();
      subscriber.destroy();
      throw err;
    }
    return new RedisLink(commands, subscriber, options);
  }

  get ready(): boolean {
    return this.commands.isReady && this.subscriber.isReady;
  }

  /** One command; any failure to get an answer is BusUnavailable. */
  async call(args: readonly string[]): Promise<unknown> {
    try {
      return await this.send(args);
    } catch (err) {
      throw this.failure(err);
    }
  }

  /** Runs a script (EVALSHA, or EVAL after a NOSCRIPT). */
  async run(script: Script, args: readonly string[]): Promise<unknown> {
    try {
      return await this.send(['EVALSHA', script.sha, '0', ...args]);
    } catch (err) {
      if (!(err instanceof ErrorReply && err.message.startsWith('NOSCRIPT'))) {
        throw this.failure(err);
      }
    }
    return this.evaluate(script, args);
  }

  /**
   * Runs a script by its source (EVAL), never EVALSHA: for a command that must run right
   * behind the one sent before it. After a NOSCRIPT, EVALSHA's fallback would go out only
   * once that answer is in, behind commands sent meanwhile.
   */
  evaluate(script: Script, args: readonly string[]): Promise<unknown> {
    return this.call(['EVAL', script.source, '0', ...args]);
  }

  /**
   * Closes both, letting commands under way have their answers; a Redis that does not give
   * them within `timeoutMs` (frozen) is not waited for: the connections are cut.
   */
  async close(): Promise<void> {
    const closed = Promise.allSettled([this.commands.close(), this.subscriber.close()]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise((resolve) => (timer = setTimeout(resolve, this.options.timeoutMs)));
    await Promise.race([closed, late]);
    clearTimeout(timer);
    this.commands.destroy();
    this.subscriber.destroy();
  }

  /** Sends one command; its answer, or a rejection once `timeoutMs` has passed without one. */
  private async send(args: readonly string[]): Promise<unknown> {
    const { timeoutMs } = this.options;
    const answer = this.commands.sendCommand(args, { timeout: timeoutMs });
    answer.catch(() => {}); // given up on below: a late failure is nobody's business
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const why = `the cluster store did not answer: no answer within ${timeoutMs} ms`;
        reject(new Unanswered(why, answer));
      }, timeoutMs);
    });
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A Redis error reply is a bug of ours (a script's); everything else: unreachable. */
  private failure(err: unknown): Error {
    if (err instanceof ErrorReply || err instanceof Unanswered) return err;
    const why = err instanceof Error ? err.message : String(err);
    const message = `the cluster store did not answer: ${why}`;
    const unsent = err instanceof ClientOfflineError || err instanceof ClientClosedError;
    return unsent ? new NotSent(message) : new BusUnavailable(message);
  }
}
