export * from "./wire.ts";
export { PlayerName, JoinOptions, ChatPayload, sanitizeInput, type InputFields } from "./protocol/validators.ts";
