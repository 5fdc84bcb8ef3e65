// Command-line values shared by the load tester and the benchmarks.

/** A whole number flag (`--name`) of at least `min`, or `fallback` when not given. Throws a message naming the flag. */
export function positiveInt(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got "${raw}"`);
  return n;
}
