// The public API of @tickwire/shared for games: schema helpers, the engine's close codes,
// error reasons and error message, and small pure helpers. Browser-safe (no Node, no zod).
// The wire details the server and client SDK share are in `@tickwire/shared/protocol`.
export { t, MapSchema, ArraySchema, type SchemaType } from "@colyseus/schema";
export {
  defineEntity,
  defineState,
  defineInput,
  fast,
  ownerOnly,
  inputAck,
  type EngineState,
  type EngineInput,
} from "./schema/define.ts";
export { CloseCodes, ErrorReasons, describeCloseCode } from "./protocol/codes.ts";
export { EngineMessages, type ErrorNotice } from "./protocol/messages.ts";
export { createRng, type Rng } from "./rng.ts";
export { angleDelta } from "./math.ts";
