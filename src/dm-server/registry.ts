/**
 * Registered users by name (C5): a name belongs to one user at a time, made of at most one
 * send connection and one receive connection. A second registration of a name in use is
 * refused unless it completes the pair. A user is released as a whole.
 */
import type { Role } from '../protocol/col334.js';
import type { Inbox } from './inbox.js';

/** What the registry holds of a connection: enough to close it when its partner goes. */
export interface UserConnection {
  finish(reason: string): void;
}

export interface DirectUser<C extends UserConnection = UserConnection> {
  readonly name: string;
  readonly connections: Record<Role, C | undefined>;
  /** Present while the user has a receive connection: the FORWARDs awaiting its acks. */
  inbox: Inbox | undefined;
}

export class Registry<C extends UserConnection> {
  private readonly users = new Map<string, DirectUser<C>>();

  get size(): number {
    return this.users.size;
  }

  get(name: string): DirectUser<C> | undefined {
    return this.users.get(name);
  }

  /** Registers `connection` as `name`'s `role`; undefined when the name is taken (C5). */
  register(name: string, role: Role, connection: C): DirectUser<C> | undefined {
    const user = this.users.get(name) ?? {
      name,
      connections: { TOSEND: undefined, TORECV: undefined },
      inbox: undefined,
    };
    if (user.connections[role] !== undefined) return undefined; // in use by another connection
    user.connections[role] = connection;
    this.users.set(name, user);
    return user;
  }

  /** Users with a receive connection, except `except`: the recipients of an ALL (C2). */
  receivers(except: DirectUser<C> | undefined): DirectUser<C>[] {
    const out: DirectUser<C>[] = [];
    for (const user of this.users.values()) {
      if (user !== except && user.inbox !== undefined) out.push(user);
    }
    return out;
  }

  /**
   * Frees the name and returns the user's other connections, for the caller to close: a name is
   * released when either connection closes, and no connection is left holding a released name.
   */
  release(user: DirectUser<C>): C[] {
    if (this.users.get(user.name) === user) this.users.delete(user.name);
    const rest = Object.values(user.connections).filter((c): c is C => c !== undefined);
    user.connections.TOSEND = undefined;
    user.connections.TORECV = undefined;
    user.inbox?.close();
    user.inbox = undefined;
    return rest;
  }
}
