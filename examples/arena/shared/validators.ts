import { z } from "zod";
import { NET } from "./constants.ts";
import { clampAxis, type MoveIntent } from "./movement.ts";

/** Display names: letters, digits, space, `_` and `-`, trimmed, 1..NAME_MAX_LENGTH characters. */
export const PlayerName = z
  .string()
  .trim()
  .min(1, "name is empty")
  .max(NET.NAME_MAX_LENGTH, `name is longer than ${NET.NAME_MAX_LENGTH} characters`)
  .regex(/^[\p{L}\p{N} _-]+$/u, "name may contain only letters, digits, spaces, _ and -");

/** Options a client passes when it joins the arena. Unknown keys are dropped. */
export const JoinOptions = z.object({
  name: PlayerName.optional(),
});
export type JoinOptions = z.infer<typeof JoinOptions>;

/** Client → server chat payload. */
export const ChatPayload = z
  .string()
  .trim()
  .min(1, "chat message is empty")
  .max(NET.CHAT_MAX_LENGTH, `chat message is longer than ${NET.CHAT_MAX_LENGTH} characters`);

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
