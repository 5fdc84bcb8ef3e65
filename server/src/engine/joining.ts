import { DisplayName } from "../auth/tokens.ts";
import type { Validator } from "./game.ts";

// What a join brings, checked the same way by the room (during matchmaking) and by the
// Simulation: the game's join options, and the name of a player who joins without a token.

/** The join options as the game's validator returns them, or why the join is refused. */
export function joinOptionsOf<O>(
  validator: Validator<O> | undefined,
  raw: unknown,
): { options: O } | { error: string } {
  if (!validator) return { options: (raw ?? {}) as O };
  const parsed = validator.safeParse(raw ?? {});
  if (parsed.success) return { options: parsed.data };
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`);
  return { error: `invalid join options: ${issues.join("; ")}` };
}

/**
 * The name of a player who joins without a token: the options' `name`, checked by the same
 * rules as a token's name (1-32 letters, digits, spaces, `_` and `-`), or `fallback()` when
 * they carry none. A name that breaks the rules is the error to refuse the join with.
 */
export function anonymousName(options: unknown, fallback: () => string): string | { error: string } {
  const named = (options as { name?: unknown } | undefined)?.name;
  if (named === undefined) return fallback();
  const checked = DisplayName.safeParse(named);
  return checked.success
    ? checked.data
    : { error: `invalid join options: name: ${checked.error.issues[0]?.message ?? "invalid"}` };
}
