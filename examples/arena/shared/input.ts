import { defineInput, t, type SchemaType } from "@tickwire/shared";

/**
 * One client input per fixed step. Delta-encoded on the wire by Colyseus' input codec.
 * Values arrive from untrusted clients: the server sanitizes every frame
 * (see protocol/validators.ts `sanitizeInput`) before the simulation reads it.
 */
export const PlayerInput = defineInput(
  {
    /** Movement stick, each axis in [-1, 1]. */
    moveX: t.float32().default(0),
    moveY: t.float32().default(0),
    /** Aim angle in radians. */
    aim: t.float32().default(0),
    /** Button bits, see `Buttons`. */
    buttons: t.uint8().default(0),
    /**
     * The server tick (fractional) the client was showing other players at when it made this
     * input; a shot is tested against the world as it was then, up to MAX_REWIND_MS back. 0 means
     * "now".
     */
    viewTick: t.float64().default(0),
  },
  "PlayerInput",
);
export type PlayerInput = SchemaType<typeof PlayerInput>;
