import { performance } from "node:perf_hooks";

// How a bot waits out the server's 429s (its per-address matchmaking limits: every bot of a run
// comes from one address). Thin bots, full bots and the coordinator waiting for its room
// creators all go by the one limit below.

/**
 * A bot waits out 429s for at most this long in all, then gives up (counted failed). Long
 * enough for a join storm at the default MATCHMAKE_JOINS_PER_SECOND (2,000 bots at 10 a second
 * take 200 s) and for several windows of MATCHMAKE_CREATES_PER_WINDOW (60 s each by default).
 */
export const MAX_RATE_LIMIT_WAIT_MS = 10 * 60_000;

/** Up to this much more than the server asks, at random: bots told the same wait would otherwise come back at once. */
const JITTER_MS = 1000;

/** What a bot still waiting out a 429 when the run stops is told. */
const NEVER_SEATED = "matchmake 429: never got a seat before the run ended";

/** `Retry-After` in ms (seconds, or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header && /^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const date = header ? Date.parse(header) : Number.NaN;
  return Number.isFinite(date) ? Math.max(0, date - now) : 1000;
}

/**
 * The wait a 429's message asks for, in ms, or undefined when it names none. The SDK keeps a
 * refusal's code and message but drops its headers, so a full bot reads the server's wording:
 *
 * @example
 *   retryFromMessage("too many rooms created from this address: at most 20 per 60 s (MATCHMAKE_CREATES_PER_WINDOW); retry in 42 s") // 42000
 */
export function retryFromMessage(message: string): number | undefined {
  const m = /\bretry in (\d+) s\b/.exec(message);
  return m ? Number(m[1]) * 1000 : undefined;
}

/** What a bot's waits are told, and ask. */
export interface RateLimitHandling {
  /** Told before each wait, with its length in ms. */
  onRateLimited?(waitMs: number): void;
  /** True once the run is over: no more tries. */
  stopped?(): boolean;
  /** Default MAX_RATE_LIMIT_WAIT_MS. */
  limitMs?: number;
  /** For tests: the clock, the sleep and the random extra wait (ms). */
  now?(): number;
  sleep?(ms: number): Promise<void>;
  jitterMs?(): number;
}

/**
 * One bot's join: its waits on 429s, in all, and when its last try started (a join's time is
 * counted from there, so that it leaves the waits out).
 */
export class RateLimitWaits {
  readonly #opts: RateLimitHandling;
  readonly #limitMs: number;
  readonly #now: () => number;
  #waitedMs = 0;
  #lastTryAt: number;

  constructor(opts: RateLimitHandling = {}) {
    this.#opts = opts;
    this.#limitMs = opts.limitMs ?? MAX_RATE_LIMIT_WAIT_MS;
    this.#now = opts.now ?? (() => performance.now());
    this.#lastTryAt = this.#now();
  }

  /** Ms spent waiting out 429s so far. */
  get waitedMs(): number {
    return this.#waitedMs;
  }

  /** Ms since the last try started: the join's time without its waits. */
  sinceLastTry(): number {
    return this.#now() - this.#lastTryAt;
  }

  /**
   * After a 429 that asked for `retryMs`: waits it out (and a little more) and resolves, to try
   * again. Rejects instead when that would take the bot's waits past the limit, or when the run
   * stops before or during the wait (no further try is sent then).
   */
  async wait(retryMs: number): Promise<void> {
    const stopped = () => this.#opts.stopped?.() ?? false;
    if (stopped()) throw new Error(NEVER_SEATED);
    const waitMs = retryMs + (this.#opts.jitterMs?.() ?? Math.random() * JITTER_MS);
    if (this.#waitedMs + waitMs > this.#limitMs)
      throw new Error(
        `matchmake 429: still over the server's limits after ${Math.round(this.#waitedMs / 1000)} s of waiting out 429s (told to retry in ${Math.ceil(retryMs / 1000)} s; a bot waits at most ${Math.round(this.#limitMs / 1000)} s in all)`,
      );
    this.#opts.onRateLimited?.(waitMs);
    this.#waitedMs += waitMs;
    await (this.#opts.sleep ?? sleep)(waitMs);
    if (stopped()) throw new Error(NEVER_SEATED);
    this.#lastTryAt = this.#now();
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
