// Game-neutral and browser-safe (no validators, no Node): what a client bundle may import.
export { createRng, type Rng } from "./rng.ts";
export { angleDelta } from "./math.ts";
export { CloseCodes, ErrorReasons, describeCloseCode } from "./protocol/codes.ts";
export { EngineMessages, type ErrorNotice } from "./protocol/messages.ts";
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
