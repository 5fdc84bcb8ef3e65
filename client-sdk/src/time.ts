/** Local monotonic time in ms: `performance.now()` where there is one (browsers, Node), else the wall clock. */
export function now(): number {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}
