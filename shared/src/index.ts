export { SIM, NET, Buttons } from "./sim/constants.ts";
export { stepBody, IDLE_INTENT, type Body, type MoveIntent } from "./sim/movement.ts";
export { createRng, type Rng } from "./sim/rng.ts";
export { Player, ArenaState } from "./schema/state.ts";
export { PlayerInput } from "./schema/input.ts";
export { CloseCodes, ErrorReasons } from "./protocol/codes.ts";
export { ClientMessages, ServerMessages, type ChatBroadcast, type ErrorNotice } from "./protocol/messages.ts";
export { PlayerName, JoinOptions, ChatPayload, sanitizeInput, type InputFields } from "./protocol/validators.ts";

/** Name under which the server registers the arena room. */
export const ARENA_ROOM = "arena";
