import { defineInput, t, type SchemaType } from "@tickwire/shared";
import { clampAxis, type MoveIntent } from "./movement.ts";

/**
 * One client input per fixed step. Delta-encoded on the wire by Colyseus' input codec.
 * Values arrive from untrusted clients: the server sanitizes every frame
 * (`sanitizeInput`, below; the client predicts with the same) before the simulation reads it.
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

/** The fields of an input that the simulation reads. */
export interface InputFields extends MoveIntent {
  buttons: number;
  /** Server tick the client was showing (see PlayerInput.viewTick); 0 = now. */
  viewTick?: number;
}

const TWO_PI = Math.PI * 2;

/**
 * Makes an untrusted input safe in place: NaN or infinite axes become 0 (not the range
 * minimum: a NaN stick must not walk the player left), axes clamp to [-1, 1], the aim wraps
 * into [0, 2π), unknown button bits are kept (the simulation ignores them).
 * Returns true when any value had to be changed.
 */
export function sanitizeInput(input: InputFields): boolean {
  const { moveX, moveY, aim } = input;
  input.moveX = clampAxis(moveX);
  input.moveY = clampAxis(moveY);
  const aimInRange = aim >= 0 && aim < TWO_PI;
  if (!aimInRange) input.aim = Number.isFinite(aim) ? ((aim % TWO_PI) + TWO_PI) % TWO_PI : 0;
  // A view tick that is not a finite non-negative number means "now" (no rewind).
  const view = input.viewTick;
  const viewOk = view === undefined || (Number.isFinite(view) && view >= 0);
  if (!viewOk) input.viewTick = 0;
  // Object.is counts NaN → 0 as a change; -0 → -0 is not one.
  return !Object.is(input.moveX, moveX) || !Object.is(input.moveY, moveY) || !aimInRange || !viewOk;
}
