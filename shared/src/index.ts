export * from "./wire.ts";
export { OpenArenaState } from "./schema/state.ts";
export { OWNER_ONLY_FIELDS } from "./schema/unreliable.ts";
export { PlayerName, JoinOptions, ChatPayload, sanitizeInput, type InputFields } from "./protocol/validators.ts";
