/** What the programmatic client returns and reports. ROOM_REF and JOIN_ID stay opaque strings (T7). */
import type { RequestKind } from './pending.js';
import type { TlsDial } from './tcd-socket.js';

export interface ClientOptions {
  readonly host: string;
  readonly port: number;
  /** A `ws://` or `wss://` URL: connect through the server's WebSocket gateway instead. */
  readonly url?: string;
  /** CLIENT_NAME for every request. */
  readonly name: string;
  /** Longest wait for a connection or for one reply. Default 5000 ms. */
  readonly timeoutMs?: number;
  /** Follow JOINED_CHATROOM's SERVER_IP/PORT when it names another endpoint. Default true. */
  readonly followAlternativeEndpoint?: boolean;
  /** Connect over TLS, to the first endpoint and to any alternative one. */
  readonly tls?: TlsDial;
}

export interface RoomInfo {
  readonly room: string;
  readonly roomRef: string;
  readonly joinId: string;
  /** `host:port` of the connection this room's traffic uses (seed 003's alternative endpoint). */
  readonly endpoint: string;
}

export interface HeloInfo {
  /** Everything after `HELO ` on the reply's first line (T9). */
  readonly text: string;
  readonly ip: string;
  readonly port: string;
  readonly studentId: string;
}

export type ClientEvent =
  | { readonly type: 'helo'; readonly helo: HeloInfo }
  | { readonly type: 'joined'; readonly room: RoomInfo }
  | { readonly type: 'left'; readonly room: RoomInfo }
  | {
      readonly type: 'chat';
      /** undefined for a ROOM_REF this client never joined. */
      readonly room: string | undefined;
      readonly roomRef: string;
      readonly from: string;
      readonly message: string;
      /** Set when the message is the server's join or leave notice for `from`. */
      readonly notice: 'joined' | 'left' | undefined;
    }
  | {
      readonly type: 'error';
      readonly code: number;
      readonly description: string;
      /** The request it answers (the oldest one waiting), if any was waiting. */
      readonly request: RequestKind | undefined;
      /** The room that request was about. */
      readonly subject: string | undefined;
    }
  /** Something the client noticed and worked around, e.g. an unreachable alternative endpoint. */
  | { readonly type: 'warning'; readonly text: string }
  /** A connection ended; `expected` is false when the server (or the network) ended it. */
  | { readonly type: 'closed'; readonly endpoint: string; readonly expected: boolean };
