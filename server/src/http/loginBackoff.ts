/** When failed logins lock a key (a client address) out, and for how long. */
export interface BackoffPolicy {
  /** Failed logins before the first lock-out. */
  failures: number;
  /** The first lock-out, in ms; each further failure doubles it. */
  baseMs: number;
  /** The longest lock-out, in ms. A key quiet this long after its lock ended is forgotten. */
  maxMs: number;
}

/** What a failed login led to. */
export interface FailureOutcome {
  /** The lock-out it started, in ms (0: none yet). */
  lockMs: number;
  /** True for the first lock-out since the key last recovered (a success, or forgotten): log this one. */
  firstLock: boolean;
  /** True when the failure went to the shared overflow entry (the table was full of locked keys). */
  shared: boolean;
}

interface Entry {
  failures: number;
  lockedUntil: number;
  lastFailure: number;
  announced: boolean;
}

/** The entry new keys share while the table is full of locked keys. */
export const OVERFLOW_KEY = "(overflow)";

/**
 * How many of the least recently failed entries are looked at for one that may be dropped: a
 * bound on the work per request when the table is full of locked keys.
 */
const EVICTION_SCAN = 256;

/** How often (ms) entries past their time are swept out, at most. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Failed logins per key, and the growing lock-out they earn: after `failures` failures a key is
 * locked for `baseMs`, and each failure after that (once a lock-out has passed) doubles it, up to
 * `maxMs`. A success forgets the key. Memory stays bounded: an entry goes once it has been quiet
 * for `maxMs` after its lock ended, and past `maxEntries` the least recently failed of the keys
 * not locked out go first. A locked key is never dropped to make room (else failures from enough
 * other keys would unlock it): when every entry is locked, new keys share one overflow entry,
 * which locks them all together. Time is passed in, so that a test can step it.
 */
export class LoginBackoff {
  readonly #entries = new Map<string, Entry>();
  #lastSweep = 0;

  constructor(
    readonly policy: BackoffPolicy,
    readonly maxEntries = 10_000,
  ) {}

  /** Keys with failures on record. */
  get size(): number {
    return this.#entries.size;
  }

  /** Milliseconds `key` stays locked out from `now` (0: it may try). */
  lockedFor(key: string, now: number): number {
    const entry = this.#live(key, now) ?? (this.#overflowing(now) ? this.#live(OVERFLOW_KEY, now) : undefined);
    return entry ? Math.max(0, entry.lockedUntil - now) : 0;
  }

  /** Records a failed login by `key` at `now`. */
  failed(key: string, now: number): FailureOutcome {
    let entry = this.#live(key, now);
    let shared = false;
    if (!entry && !this.#makeRoom(now)) {
      key = OVERFLOW_KEY;
      shared = true;
      entry = this.#live(key, now);
    }
    entry ??= { failures: 0, lockedUntil: 0, lastFailure: 0, announced: false };
    entry.failures++;
    entry.lastFailure = now;
    const { failures, baseMs, maxMs } = this.policy;
    let lockMs = 0;
    if (entry.failures >= failures) {
      lockMs = Math.min(maxMs, baseMs * 2 ** (entry.failures - failures));
      entry.lockedUntil = now + lockMs;
    }
    const firstLock = lockMs > 0 && !entry.announced;
    if (firstLock) entry.announced = true;
    // Re-inserted, so the map's order is least recently failed first.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return { lockMs, firstLock, shared };
  }

  /** A successful login: `key` starts afresh. */
  succeeded(key: string): void {
    this.#entries.delete(key);
  }

  #expired(entry: Entry, now: number): boolean {
    return now > Math.max(entry.lockedUntil, entry.lastFailure) + this.policy.maxMs;
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && this.#expired(entry, now)) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #full(): boolean {
    return this.#entries.size >= this.maxEntries;
  }

  /** Makes room for one more key if it can: true when there is room. */
  #makeRoom(now: number): boolean {
    if (!this.#full()) return true;
    this.#sweep(now);
    if (!this.#full()) return true;
    const key = this.#evictable(now);
    if (key === undefined) return false;
    this.#entries.delete(key);
    return true;
  }

  /** New keys go to the overflow entry: the table is full and nothing in it may be dropped. */
  #overflowing(now: number): boolean {
    if (!this.#full()) return false;
    this.#sweep(now);
    return this.#full() && this.#evictable(now) === undefined;
  }

  #sweep(now: number): void {
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    for (const [key, entry] of this.#entries) if (this.#expired(entry, now)) this.#entries.delete(key);
  }

  /** Among the least recently failed entries, one not locked out (the map keeps failure order). */
  #evictable(now: number): string | undefined {
    let looked = 0;
    for (const [key, entry] of this.#entries) {
      if (key !== OVERFLOW_KEY && entry.lockedUntil <= now) return key;
      if (++looked >= EVICTION_SCAN) return undefined;
    }
    return undefined;
  }
}
