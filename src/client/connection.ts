/**
 * One of the client's connections: its socket, the requests waiting on it, which room each
 * ROOM_REF it sees stands for, and the routing of its replies to requests and events.
 * ROOM_REFs are per server, so a client with connections to several endpoints (seed 003)
 * keeps one map per connection.
 */
import type { TcdReply } from '../protocol/tcd-reply.js';
import { endpointKey } from './endpoint.js';
import { ServerError } from './errors.js';
import { PendingRequests, type PendingEntry, type RequestKind } from './pending.js';
import type { Endpoint, TcdSocket } from './tcd-socket.js';
import { noticeKind } from './text.js';
import type { ClientEvent } from './types.js';

/** What a connection needs of its socket: a TcdSocket, or the web client's WebSocket link. */
export interface ReplySocket {
  readonly endpoint: Endpoint;
  on(event: 'reply', listener: (reply: TcdReply) => void): unknown;
  write(data: string): void;
}

export interface RequestSpec<T> {
  readonly kind: RequestKind;
  /** The room it is about (or the HELO text), for errors and timeouts. */
  readonly subject: string;
  /** The request as written on the wire. */
  readonly wire: string;
  /**
   * Runs synchronously while the answering reply is dispatched, before any later reply is
   * seen, so bookkeeping and events keep the server's order. `undefined` for a CHAT that a
   * later answer confirmed without an echo.
   */
  readonly onAnswer: (reply: TcdReply | undefined) => T;
  readonly isEcho?: PendingEntry['isEcho'];
  /** The client's own housekeeping: an error to it is not reported as an event. */
  readonly quiet?: boolean;
}

export class ClientConnection<S extends ReplySocket = TcdSocket> {
  readonly pending = new PendingRequests();
  readonly key: string;
  /** ROOM_REF -> room name, kept after a leave so late notices still show their room. */
  readonly roomNames = new Map<string, string>();
  /** ROOM_REFs whose room moved to another endpoint: their traffic here is dropped. */
  readonly handedOff = new Set<string>();

  constructor(
    readonly socket: S,
    private readonly emit: (event: ClientEvent) => void,
  ) {
    this.key = endpointKey(socket.endpoint);
    socket.on('reply', (reply) => this.dispatch(reply));
  }

  request<T>(spec: RequestSpec<T>, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const { kind, subject, isEcho, quiet } = spec;
      const entry: PendingEntry = {
        kind,
        subject,
        ...(isEcho === undefined ? {} : { isEcho }),
        ...(quiet === undefined ? {} : { quiet }),
        settle: (reply) => {
          try {
            resolve(spec.onAnswer(reply));
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        },
        fail: reject,
      };
      this.pending.add(entry, timeoutMs);
      this.socket.write(spec.wire);
    });
  }

  private dispatch(reply: TcdReply): void {
    switch (reply.type) {
      case 'helo':
        return this.pending.takeAnswered('helo')?.settle(reply);
      case 'joined':
        return this.pending.takeAnswered('join')?.settle(reply);
      case 'left':
        return this.pending.takeAnswered('leave')?.settle(reply);
      case 'error': {
        const entry = this.pending.takeOldest(); // the server answers in order
        if (entry?.quiet !== true) {
          const { code, description } = reply;
          const about = { request: entry?.kind, subject: entry?.subject };
          this.emit({ type: 'error', code, description, ...about });
        }
        return entry?.fail(new ServerError(reply.code, reply.description));
      }
      case 'chat': {
        if (this.handedOff.has(reply.roomRef)) return;
        const { roomRef, clientName: from, message } = reply;
        const room = this.roomNames.get(roomRef);
        this.emit({
          type: 'chat',
          room,
          roomRef,
          from,
          message,
          notice: noticeKind(from, message),
        });
        return this.pending.echo(reply);
      }
      case 'unknown':
        return this.emit({
          type: 'warning',
          text: `unexpected from server: ${reply.raw.trimEnd()}`,
        });
    }
  }
}
