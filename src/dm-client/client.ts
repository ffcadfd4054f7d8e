/**
 * The direct-message client of seed 004, as a library: two connections to the server, the
 * send one registered first (as the seed's client does), then the receive one. Incoming
 * FORWARDs are acknowledged with RECEIVED (or refused with ERROR 103 when unreadable, C3)
 * and handed to onMessage.
 */
import type { Role } from '../protocol/col334.js';
import type { Col334Reply } from '../protocol/col334-reply.js';
import { col334Request } from '../protocol/col334-serialize.js';
import { Col334Link } from './link.js';

export interface DmClientOptions {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  /** How long to wait for the server's answer to a REGISTER or a SEND. */
  readonly replyTimeoutMs?: number;
}

export type SendOutcome =
  { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly fatal: boolean };

export class DmError extends Error {}

export class DmClient {
  /** Called once if the server closes either connection before close() was called. */
  onLost: ((reason: string) => void) | undefined;
  private closing = false;
  private listener: ((from: string, text: string) => void) | undefined;
  /** Messages that came before there was a listener (with the registration's reply, say). */
  private early: Array<[from: string, text: string]> = [];

  private constructor(
    private readonly sender: Col334Link,
    private readonly receiver: Col334Link,
    private readonly replyTimeoutMs: number,
  ) {
    receiver.listen((reply) => this.incoming(reply));
    const lost = (which: string) => (): void => {
      if (!this.closing) this.onLost?.(`the server closed the ${which} connection`);
      this.close();
    };
    sender.onClose = lost('send');
    receiver.onClose = lost('receive');
  }

  /** Connects and registers both connections; rejects with DmError when the server refuses. */
  static async connect(options: DmClientOptions): Promise<DmClient> {
    const timeout = options.replyTimeoutMs ?? 10_000;
    const sender = await Col334Link.open(options.host, options.port);
    try {
      await register(sender, 'TOSEND', options.name, timeout);
      const receiver = await Col334Link.open(options.host, options.port);
      try {
        await register(receiver, 'TORECV', options.name, timeout);
      } catch (err) {
        receiver.destroy();
        throw err;
      }
      return new DmClient(sender, receiver, timeout);
    } catch (err) {
      sender.destroy();
      throw err;
    }
  }

  /** Receives every incoming message, those that came before it was set first. */
  set onMessage(listener: (from: string, text: string) => void) {
    this.listener = listener;
    for (const [from, text] of this.early.splice(0)) listener(from, text);
  }

  /** Sends `text` to a user or ALL and waits for the server's confirmation or error. */
  async send(to: string, text: string): Promise<SendOutcome> {
    this.sender.write(col334Request.send(to, text));
    const reply = await this.sender.next(this.replyTimeoutMs);
    if (reply === undefined) {
      return {
        ok: false,
        reason: this.sender.closed ? 'connection closed' : 'no reply',
        fatal: true,
      };
    }
    if (reply.type === 'delivered') return { ok: true };
    if (reply.type === 'error') {
      // 103: the server closes the send connection after it.
      return { ok: false, reason: `ERROR ${reply.code} ${reply.text}`, fatal: reply.code === 103 };
    }
    return { ok: false, reason: `unexpected reply ${describe(reply)}`, fatal: true };
  }

  /** Closes both connections (our side first, so the server sees a clean end). */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.sender.end();
    this.receiver.end();
  }

  private incoming(reply: Col334Reply): void {
    if (reply.type === 'forward') {
      this.receiver.write(col334Request.received(reply.from));
      const text = reply.body.toString('utf8');
      if (this.listener === undefined) this.early.push([reply.from, text]);
      else this.listener(reply.from, text);
    } else if (reply.type === 'bad-forward') {
      this.receiver.write(col334Request.headerIncomplete()); // C3
    }
  }
}

async function register(link: Col334Link, role: Role, name: string, timeoutMs: number) {
  link.write(col334Request.register(role, name));
  const reply = await link.next(timeoutMs);
  if (reply?.type === 'registered' && reply.role === role && reply.name === name) return;
  if (reply === undefined) throw new DmError(`no answer to REGISTER ${role}`);
  throw new DmError(`REGISTER ${role} ${name} refused: ${describe(reply)}`);
}

function describe(reply: Col334Reply): string {
  switch (reply.type) {
    case 'error':
      return `ERROR ${reply.code} ${reply.text}`;
    case 'other':
      return `'${reply.line}'`;
    default:
      return reply.type;
  }
}
