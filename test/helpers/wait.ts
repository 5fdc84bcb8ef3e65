/**
 * Polls `probe` until it returns a truthy value or `timeoutMs` passes. Tests wait on
 * observable conditions, never on guessed sleeps.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
  everyMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves after `ms`: for measuring a rate over a window, not for waiting on an outcome. */
export const elapse = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
