// The public API of @tickwire/shared: what server and client SDK share, game-neutral.
export * from "./wire.ts";
export { OWNER_ONLY_FIELDS } from "./schema/unreliable.ts";
