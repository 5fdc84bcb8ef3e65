// Wire constants shared by server and client. Close codes in the 4000-4099 range are
// Colyseus' own (re-stated here so a game can switch on one table); 4100+ are Tickwire's.

/** WebSocket close codes a client can see, and what each means. */
export const CloseCodes = {
  /** The client left on purpose. */
  CONSENTED: 4000,
  /**
   * The server process is shutting down (SIGTERM/SIGINT): the room is gone; the SDK does not try
   * to reconnect. Join again, which lands on another process.
   */
  SERVER_SHUTDOWN: 4001,
  /**
   * Closed for a protocol violation: a frame the server could not decode or route, a truncated
   * or flooding ack. Colyseus' WITH_ERROR.
   */
  PROTOCOL_VIOLATION: 4002,
  /** A reconnection token was refused (expired window or unknown seat). */
  FAILED_TO_RECONNECT: 4003,
  /**
   * The client fell too far behind on the reliable channel: more than RELIABLE_BACKLOG_BYTES
   * were waiting to be written to it. Closing (rather than skipping patches) means its state
   * never silently diverges; the client SDK reconnects at once and receives the full state.
   */
  BACKLOG_OVERFLOW: 4100,
  /**
   * More than MAX_MESSAGES_PER_SECOND frames (a token bucket holding one second's worth): the
   * client is closed and counted (`tickwire_limit_closes_total{limit="rate"}`).
   */
  RATE_LIMITED: 4101,
  /**
   * The room hit an internal error and was disposed; the rest of the server carries on. The
   * client may join another room. Counted in `tickwire_room_crashes_total`.
   */
  ROOM_CRASHED: 4102,
  /** A frame larger than MAX_MESSAGE_BYTES: the transport closes the socket (RFC 6455 "message too big"). */
  MESSAGE_TOO_BIG: 1009,
} as const;
export type CloseCodes = (typeof CloseCodes)[keyof typeof CloseCodes];

const CLOSE_MEANINGS: Record<number, string> = {
  1000: "closed normally",
  1001: "the server went away",
  1005: "closed without a status",
  1006: "the connection was lost",
  [CloseCodes.MESSAGE_TOO_BIG]: "a message was larger than the server allows",
  [CloseCodes.CONSENTED]: "left the room",
  [CloseCodes.SERVER_SHUTDOWN]: "the server is shutting down: join again",
  [CloseCodes.PROTOCOL_VIOLATION]: "the server could not read a message from this client",
  [CloseCodes.FAILED_TO_RECONNECT]: "the seat could not be taken back",
  [CloseCodes.BACKLOG_OVERFLOW]: "this client fell too far behind",
  [CloseCodes.RATE_LIMITED]: "this client sent messages too fast",
  [CloseCodes.ROOM_CRASHED]: "the room hit an internal error and was closed: join another",
};

/** A short human-readable meaning of a WebSocket close code, for logs and players' screens. */
export function describeCloseCode(code: number): string {
  return CLOSE_MEANINGS[code] ?? `closed with code ${code}`;
}

/** Reasons carried in an `error` message; the client stays connected. */
export const ErrorReasons = {
  /** The payload of a known message type failed validation; the message was ignored. */
  INVALID_PAYLOAD: "invalid_payload",
  /** The message type is not one the game handles; the message was ignored. */
  UNKNOWN_MESSAGE: "unknown_message",
} as const;
export type ErrorReasons = (typeof ErrorReasons)[keyof typeof ErrorReasons];
