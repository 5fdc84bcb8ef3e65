// The arena's client: its game description for the Tickwire client SDK, a connection with
// the arena's conveniences, and the shared pieces a page, a test or a bot needs alongside.
export { arenaGame, type ArenaGame } from "./game.ts";
export { ArenaConnection, type ArenaGameConnection } from "./connection.ts";
export { joinArena, createArena, joinArenaById, reconnectArena } from "./join.ts";
export type {
  ArenaEvents,
  ArenaOnlyEvents,
  InputIntent,
  HitEvent,
  DeathEvent,
  RenderedPlayer,
} from "./types.ts";
export {
  TickwireClient,
  CloseCodes,
  ErrorReasons,
  describeCloseCode,
  type TickwireClientOptions,
  type ConnectionOptions,
  type ErrorNotice,
  type NetStats,
  type NetCounters,
} from "@tickwire/client-sdk";
export {
  ARENA_ROOM,
  ArenaErrorReasons,
  ClientMessages,
  ServerMessages,
  ArenaState,
  Player,
  Pickup,
  KillFeedEntry,
  ScoreEntry,
  PlayerInput,
  Buttons,
  SIM,
  NET,
  COMBAT,
  stepBody,
  type Body,
  type MoveIntent,
  type Bounds,
  type ChatBroadcast,
  type ShotInfo,
  type ShotsBroadcast,
} from "../shared/index.ts";
