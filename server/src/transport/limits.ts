import type { BeforeUpgradeHandler } from "@colyseus/core";

/**
 * Per-client message rate limit: a token bucket that refills at `perSecond` and holds one
 * second's worth, so a client may burst (a reconnection flushing its inputs) but not sustain
 * more than the limit. Time is passed in (ms), so the gate is tested without clocks.
 */
export class RateGate {
  #tokens: number;
  #last: number;

  constructor(
    readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = perSecond;
    this.#last = now;
  }

  /** Takes one token; false when the bucket is empty (the client is over the limit). */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.#last);
    this.#last = now;
    this.#tokens = Math.min(this.perSecond, this.#tokens + (elapsed * this.perSecond) / 1000);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Normalizes an origin for comparison: lower case, no trailing slash. */
const normalize = (origin: string) => origin.trim().toLowerCase().replace(/\/+$/, "");

/**
 * Refuses a WebSocket upgrade (HTTP 403, before the handshake) whose Origin header is not in
 * ALLOWED_ORIGINS. An empty list allows every origin. A request without an Origin header comes
 * from a non-browser client (a bot, a native game client), which could send any header it likes,
 * so it is let through: the origin check protects players' browsers, not the server.
 */
export function originGate(
  allowed: readonly string[],
  onRefused: (origin: string) => void,
): BeforeUpgradeHandler | undefined {
  if (allowed.length === 0) return undefined;
  const set = new Set(allowed.map(normalize));
  return (_request, context) => {
    const origin = context.headers.get("origin");
    if (origin === null || set.has(normalize(origin))) return;
    onRefused(origin);
    return new Response(`origin ${JSON.stringify(origin)} is not allowed (ALLOWED_ORIGINS)\n`, {
      status: 403,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  };
}
