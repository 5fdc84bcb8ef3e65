import type { ConnectionEvents, Rendered } from "@tickwire/client-sdk";
import type { ArenaState, ChatBroadcast, Player, ShotInfo, ShotsBroadcast } from "../shared/index.ts";

// The types of the arena connection's API: what a player sends, the events it hears.

/** What a player asks for in one input; `sendInput` stamps the sequence number. */
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
   * Default: the tick other players are drawn at now (`renderTick`).
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

/** One player as the game should draw it now (`entity` is the replicated player). */
export type RenderedPlayer = Rendered<Player>;

/** The arena's own events. */
export interface ArenaOnlyEvents {
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
  chat: (line: ChatBroadcast) => void;
  /** Shots fired in one server tick that this client can see (hitscan: each starts and ends in that tick). */
  shots: (shots: ShotsBroadcast) => void;
  /** A shot this client can see hit a player (this client's own player included). */
  hit: (hit: HitEvent) => void;
  /** A player was killed (anywhere in the arena: the kill feed is global). */
  death: (death: DeathEvent) => void;
}

/** Every event of an arena connection: the engine's (state, error, dropped, reconnecting...) and the arena's. */
export interface ArenaEvents extends ConnectionEvents<ArenaState>, ArenaOnlyEvents {}
