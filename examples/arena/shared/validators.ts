import { z } from "zod";
import { NET } from "./constants.ts";

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

// The input sanitizer is zod-free and shared with the client: it lives with the input.
export { sanitizeInput, type InputFields } from "./input.ts";
