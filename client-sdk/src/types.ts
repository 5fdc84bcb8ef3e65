import type { ErrorNotice } from "@tickwire/shared";
import type { ChannelCounters } from "./channel.ts";

// The types of a connection's API: the events a game hears, the figures it can show.

/** Events of a `Connection`; `S` is the game's state. */
export interface ConnectionEvents<S> {
  /** A state patch was applied. */
  state: (state: S) => void;
  /** The server ignored a message of ours and says why (its `error` message). */
  error: (notice: ErrorNotice) => void;
  /** The connection dropped; the SDK will try to take the held seat back (`reconnecting` follows). */
  dropped: (code: number, reason?: string) => void;
  /** Reconnection attempt `attempt` of `maxAttempts` is starting. */
  reconnecting: (attempt: number, maxAttempts: number) => void;
  /** The seat was taken back after a drop; the full state follows, and prediction starts over from it. */
  reconnected: () => void;
  /** Every reconnection attempt failed (or the seat was gone); `leave` follows. */
  reconnectFailed: (code: number, reason?: string) => void;
  /**
   * The connection ended for good; `code` is a WebSocket close code (see `CloseCodes`,
   * `describeCloseCode`). `SERVER_SHUTDOWN` (4001): the process is draining, join again (the
   * SDK does not reconnect to a room that is going away). `ROOM_CRASHED` (4102): the room was
   * closed after an internal error. `RATE_LIMITED` (4101), `MESSAGE_TOO_BIG` (1009),
   * `PROTOCOL_VIOLATION` (4002): this client broke a limit.
   */
  leave: (code: number, reason?: string) => void;
}

/** Counters a game can show in a net-stats overlay; cumulative since join. */
export interface NetCounters extends ChannelCounters {
  /** State patches applied (reliable and unreliable). */
  patches: number;
}

/** Figures for a net-stats overlay, from `netStats()`. */
export interface NetStats {
  /** Newest measured round trip, and its smoothed value, in ms (NaN before the first). */
  rttMs: number;
  smoothedRttMs: number;
  /** Interarrival jitter of state frames, in ms. */
  jitterMs: number;
  /** State updates (server ticks) received per second, over the last second. */
  updatesPerSecond: number;
  /** Unreliable frames received since join, and per second over the last second. */
  unreliableFrames: number;
  unreliableFramesPerSecond: number;
  /** Corrections of the own entity's prediction over the last minute, and their mean length in units (since join). */
  correctionsPerMinute: number;
  meanCorrectionDistance: number;
  /** Bytes received per second over the last second. */
  downstreamBytesPerSecond: number;
  /** Inputs sent but not yet acknowledged. */
  pendingInputs: number;
  /**
   * Unacknowledged inputs the prediction gave up since join, the oldest first, because more
   * than its limit were waiting: above 0, the server has stopped acknowledging this client.
   */
  pendingInputsDropped: number;
  /** How far in the past other entities are drawn, in ms. */
  interpolationDelayMs: number;
  /** Estimated server tick now (fractional; NaN before the first state). */
  serverTick: number;
}
