import type { ArenaState, Player, ChatBroadcast, ErrorNotice, ShotInfo, ShotsBroadcast } from "@tickwire/shared/wire";
import type { ChannelCounters } from "./channel.ts";

// The types of the arena connection's API: what a game sends, the events it hears, the
// figures it can show.

/** What a game asks for in one input; `sendInput` stamps the sequence number. */
export interface InputIntent {
  /** Movement stick, each axis in [-1, 1]. */
  moveX: number;
  moveY: number;
  /** Aim angle in radians. */
  aim?: number;
  /** Button bits, see `Buttons`. */
  buttons?: number;
  /**
   * The server tick (fractional) the game is showing other players at, for lag compensation:
   * a shot is tested against the world as it was then (up to the server's MAX_REWIND_MS).
   * Default: the newest tick received.
   */
  viewTick?: number;
}

/** A shot that hit a player, as the `hit` event gives it. */
export interface HitEvent {
  /** Server tick the shot was fired in. */
  tick: number;
  shooter: string;
  target: string;
  shot: ShotInfo;
}

/** A kill, as the `death` event gives it (from the global kill feed). */
export interface DeathEvent {
  tick: number;
  victim: string;
  victimName: string;
  killer: string;
  killerName: string;
}

export interface ArenaEvents {
  /** A player entered the state, this client's own included (also fires once per player already present at join). */
  playerAdd: (player: Player, sessionId: string) => void;
  playerRemove: (player: Player, sessionId: string) => void;
  /**
   * Another player came into this client's area of interest (the server sends each client only
   * the players near it): it is now in `state.players`. Also fires for those in range at join.
   */
  enterView: (player: Player, sessionId: string) => void;
  /** Another player went out of range, or left the room while in range: it is no longer in `state.players`. */
  leaveView: (player: Player, sessionId: string) => void;
  /** A state patch was applied. */
  state: (state: ArenaState) => void;
  chat: (line: ChatBroadcast) => void;
  /** Shots fired in one server tick that this client can see (hitscan: each starts and ends in that tick). */
  shots: (shots: ShotsBroadcast) => void;
  /** A shot this client can see hit a player (this client's own player included). */
  hit: (hit: HitEvent) => void;
  /** A player was killed (anywhere in the arena: the kill feed is global). */
  death: (death: DeathEvent) => void;
  /** The server ignored a message of ours and says why. */
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
  /** Corrections of the local player's prediction over the last minute, and their mean length in units (since join). */
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
  /** How far in the past other players are drawn, in ms. */
  interpolationDelayMs: number;
  /** Estimated server tick now (fractional; NaN before the first state). */
  serverTick: number;
}
