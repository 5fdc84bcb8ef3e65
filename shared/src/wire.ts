// The parts of the shared package a game client needs, without the validators (and so
// without zod, which would more than double a browser bundle).
export { SIM, NET, COMBAT, Buttons } from "./sim/constants.ts";
export {
  stepBody,
  clampAxis,
  angleDelta,
  IDLE_INTENT,
  DEFAULT_BOUNDS,
  type Body,
  type MoveIntent,
  type Bounds,
} from "./sim/movement.ts";
export { createRng, type Rng } from "./sim/rng.ts";
export { Player, Pickup, KillFeedEntry, ScoreEntry, ArenaState } from "./schema/state.ts";
export { PlayerInput } from "./schema/input.ts";
export { CloseCodes, ErrorReasons, describeCloseCode } from "./protocol/codes.ts";
export {
  ClientMessages,
  ServerMessages,
  type ChatBroadcast,
  type ErrorNotice,
  type ShotInfo,
  type ShotsBroadcast,
} from "./protocol/messages.ts";
export { ARENA_ROOM } from "./protocol/rooms.ts";
export {
  TickwireProtocol,
  ACK_HEADER_BYTES,
  UNRELIABLE_PATCH_BYTE,
  writeAckHeader,
  prependAck,
  readAckHeader,
  unreliableSeqOf,
  seqNewer,
  type Ack,
} from "./protocol/ack.ts";
// Schema helpers for a game's state, entities and inputs (game-neutral).
export { t, MapSchema, ArraySchema, type SchemaType } from "@colyseus/schema";
export {
  defineEntity,
  defineState,
  defineInput,
  fast,
  ownerOnly,
  inputAck,
  inputAckFieldOf,
  INPUT_ACK_FIELD,
  type EngineState,
  type EngineInput,
} from "./schema/define.ts";
export { markUnreliable, markOwnerOnly } from "./schema/unreliable.ts";
