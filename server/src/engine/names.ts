import { DisplayName } from "../auth/tokens.ts";

/**
 * The name of a player who joins without a token: the join options' `name`, checked by the
 * same rules as a token's name (1-32 letters, digits, spaces, `_` and `-`), or `fallback()`
 * when the options carry none. A name that breaks the rules is an error to answer with.
 */
export function anonymousName(options: unknown, fallback: () => string): string | { error: string } {
  const named = (options as { name?: unknown } | undefined)?.name;
  if (named === undefined) return fallback();
  const checked = DisplayName.safeParse(named);
  return checked.success ? checked.data : { error: checked.error.issues[0]?.message ?? "invalid" };
}
