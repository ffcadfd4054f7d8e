/**
 * Every ERROR_CODE roomcast puts on the wire, one code per cause (T12). Codes 1 to 3 keep the
 * meaning of the 000 seed. docs/protocol.md holds the same table for users; a test checks
 * that the two agree.
 */
export const ErrorCode = {
  /** Malformed or unknown request, missing field, non-numeric ROOM_REF or JOIN_ID. */
  InvalidFormat: 1,
  /** No chat room has that ROOM_REF. */
  NoSuchRoom: 2,
  /** The JOIN_ID was never issued, or the connection has not joined any room yet. */
  UnknownUser: 3,
  /** The JOIN_ID belongs to another connection (T8). */
  NotYourJoinId: 4,
  /** CHAT to a room this connection is not a member of. */
  NotInRoom: 5,
  /** The request is larger than the maximum request size. */
  RequestTooLarge: 6,
  /** The MESSAGE of a CHAT is larger than the maximum message size. */
  MessageTooLarge: 7,
  /** The connection is already in the maximum number of rooms. */
  TooManyRooms: 8,
  /** KILL_SERVICE is not allowed from this connection (policy). */
  KillRefused: 9,
  /** Empty or over-long room name or client name. */
  InvalidName: 10,
  // 11 is retired: it was "Too many requests". Requests over the rate are now delayed (the
  // connection is read more slowly), never refused, so nothing sends it; the number stays
  // unused so that it keeps its old meaning for anyone who logged it.
  /** The server, or this remote address, has reached its connection limit. */
  ServerFull: 12,
  /** The connection sent nothing for longer than the idle timeout. */
  IdleTimeout: 13,
  /** The server is shutting down. */
  ShuttingDown: 14,
  /** A new room would pass the server's limit on rooms with members. */
  RoomLimit: 15,
  /** Cluster: the shared store could not be reached in time; the request was not carried out. */
  Unavailable: 16,
  /** Cluster: this node lost part of a room's order (or the service lost its state); rejoin. */
  OrderLost: 17,
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The short description of each code; a detail may be appended after a colon. */
export const errorDescriptions: Readonly<Record<ErrorCode, string>> = {
  1: 'Invalid message format',
  2: 'No chat room with that ROOM_REF',
  3: 'Unknown user',
  4: 'JOIN_ID belongs to another connection',
  5: 'Not a member of that chat room',
  6: 'Request too large',
  7: 'Message too large',
  8: 'Too many chat rooms for this connection',
  9: 'KILL_SERVICE not permitted',
  10: 'Invalid name',
  12: 'Server full',
  13: 'Idle timeout',
  14: 'Server shutting down',
  15: 'Too many chat rooms on this server',
  16: 'Service unavailable',
  17: 'Room order lost',
};

/** A protocol failure as a value: parsing and commands return these, never throw them. */
export interface ProtocolError {
  readonly code: ErrorCode;
  /** Extra words for the description, e.g. which field was missing. */
  readonly detail?: string;
}

export function protocolError(code: ErrorCode, detail?: string): ProtocolError {
  return detail === undefined ? { code } : { code, detail };
}

/** The ERROR_DESCRIPTION text: the code's description, then the detail if any. */
export function describeError(error: ProtocolError): string {
  const base = errorDescriptions[error.code];
  return error.detail === undefined ? base : `${base}: ${error.detail}`;
}
