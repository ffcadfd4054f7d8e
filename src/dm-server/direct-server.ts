/**
 * The direct-message service (PROTOCOL.md Part 2, seed 004): serves connections the Acceptor
 * identified by their first bytes, `REGISTER`. Each connection registers once, as the send or
 * the receive side of a user (C5); what a connection may send after that depends on which.
 */
import type { Duplex } from 'node:stream';
import { Col334Code, type Role } from '../protocol/col334.js';
import type { Col334Request } from '../protocol/col334-request.js';
import { col334Reply } from '../protocol/col334-serialize.js';
import type { ConnectionHandler } from '../conn/acceptor.js';
import { ConnectionSet } from '../conn/connection-set.js';
import type { ConnectionInfo, DropCause } from '../conn/info.js';
import { FlushScheduler } from '../conn/send-queue.js';
import { Tally } from '../core/tally.js';
import { Inbox } from './inbox.js';
import type { DirectOptions } from './options.js';
import { Registry } from './registry.js';
import { route } from './router.js';
import { DirectSession, type DirectSessionHandler } from './session.js';

export class DirectServer implements ConnectionHandler, DirectSessionHandler {
  readonly registry = new Registry<DirectSession>();
  private readonly sessions = new ConnectionSet<DirectSession>();
  private readonly scheduler = new FlushScheduler();
  /** Requests by type and connections cut off by cause, for metrics. */
  readonly requests = new Tally<string>();
  readonly drops = new Tally<DropCause>();
  private nextId = 1;

  constructor(readonly options: DirectOptions) {}

  get connectionCount(): number {
    return this.sessions.size;
  }

  handle(stream: Duplex, info: ConnectionInfo, head: Buffer = Buffer.alloc(0)): DirectSession {
    const session = new DirectSession(
      this.nextId++,
      stream,
      info,
      this.options,
      this.scheduler,
      this,
    );
    this.sessions.open(session, head);
    return session;
  }

  request(session: DirectSession, request: Col334Request): void {
    this.requests.add(request.type);
    if (request.type === 'failure' && request.fatal) {
      session.failHeader(request.detail); // 103: the server then closes that connection
      return;
    }
    if (request.type === 'register') {
      this.register(session, request.role, request.name);
      return;
    }
    if (request.type === 'failure' && request.code === Col334Code.MalformedUsername) {
      session.reply(col334Reply.error(Col334Code.MalformedUsername));
      return;
    }
    const user = session.user;
    if (user === undefined) {
      session.reply(col334Reply.error(Col334Code.NoUserRegistered)); // any other request first
      return;
    }
    if (session.role === 'TOSEND') {
      if (request.type === 'send') {
        const { to, body } = request;
        route(this.registry, { from: user, to, body, reply: session.reserveReply() }, session.log);
      } else if (request.type === 'failure') {
        session.reply(col334Reply.error(request.code)); // 102: Content-length over the limit
      } else {
        session.failHeader(`unexpected '${request.type}' on a send connection`);
      }
      return;
    }
    // The receive connection: acknowledgements (C4: RECEIVED or SENT) and refusals (C3).
    if (request.type === 'ack') user.inbox?.ack(request.sender);
    else if (request.type === 'refused') user.inbox?.refuse();
    else session.failHeader(`unexpected '${request.type}' on a receive connection`);
  }

  dropped(_session: DirectSession, cause: DropCause): void {
    this.drops.add(cause);
  }

  ending(session: DirectSession): void {
    this.release(session);
  }

  closed(session: DirectSession): void {
    this.sessions.delete(session);
    this.release(session);
  }

  private release(session: DirectSession): void {
    const user = session.user;
    if (user === undefined) return;
    session.user = undefined;
    // A name is released when either connection closes; the other one is closed with it.
    for (const other of this.registry.release(user)) {
      if (other !== session) {
        other.user = undefined;
        other.finish(`${session.role ?? 'other'} connection of ${user.name} closed`);
      }
    }
    this.options.logger.info({ user: user.name }, 'user released');
  }

  /**
   * Finishes every connection, then cuts those still open after `graceMs`. COL334 has no error
   * for a server going away, so no notice is sent: connections just close.
   */
  async shutdown(graceMs = 2000): Promise<void> {
    await this.sessions.closeAll(graceMs);
  }

  /** COL334 has no error for a full server: the refused connection just closes. */
  refusal(): Buffer {
    return Buffer.alloc(0);
  }

  private register(session: DirectSession, role: Role, name: string): void {
    if (session.user !== undefined) {
      // A connection registers once; repeating the same registration is answered again.
      const same = session.role === role && session.user.name === name;
      session.reply(
        same ? col334Reply.registered(role, name) : col334Reply.error(Col334Code.MalformedUsername),
      );
      return;
    }
    const user = this.registry.register(name, role, session);
    if (user === undefined) {
      session.log.info({ name, role }, 'name in use: ERROR 100'); // C5
      session.reply(col334Reply.error(Col334Code.MalformedUsername));
      return;
    }
    session.user = user;
    session.role = role;
    session.name = name;
    if (role === 'TORECV') {
      session.exemptFromIdle();
      user.inbox = new Inbox((frame) => session.send(frame), this.options, session.log);
    }
    session.log.info({ name, role }, 'registered');
    session.reply(col334Reply.registered(role, name));
  }
}
