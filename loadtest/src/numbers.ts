// Small numeric helpers of the load tester's and the benchmarks' reports.

/** `v` to `digits` decimals; NaN for a value that is not finite. */
export function round(v: number, digits = 2): number {
  return Number.isFinite(v) ? Number(v.toFixed(digits)) : Number.NaN;
}

/** The mean of `v` (NaN when empty). */
export function mean(v: readonly number[]): number {
  return v.length === 0 ? Number.NaN : v.reduce((a, b) => a + b, 0) / v.length;
}

/** A count of bots in words: "1 bot", "2 bots". */
export function bots(n: number): string {
  return `${n} ${n === 1 ? "bot" : "bots"}`;
}
