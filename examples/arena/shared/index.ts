// What the arena's server and client share: the schema, the constants, the pure movement
// and the messages. (The validators, which carry zod, are the server's: ./validators.ts.)
export { SIM, NET, COMBAT, Buttons } from "./constants.ts";
export {
  stepBody,
  clampAxis,
  IDLE_INTENT,
  DEFAULT_BOUNDS,
  type Body,
  type MoveIntent,
  type Bounds,
} from "./movement.ts";
export { Player, Pickup, KillFeedEntry, ScoreEntry, ArenaState, OpenArenaState } from "./schema.ts";
export { PlayerInput, sanitizeInput, type InputFields } from "./input.ts";
export {
  ClientMessages,
  ServerMessages,
  ArenaErrorReasons,
  type ChatBroadcast,
  type ShotInfo,
  type ShotsBroadcast,
} from "./messages.ts";
export { ARENA_ROOM } from "./rooms.ts";
