/**
 * The rate of a cumulative counter over a trailing window: record the counter's value now and
 * then; `rate` is its growth per second over the window (0 when the counter stopped).
 */
export class RateMeter {
  readonly #windowMs: number;
  #at: number[] = [];
  #value: number[] = [];

  constructor(windowMs = 1000) {
    this.#windowMs = windowMs;
  }

  record(now: number, cumulative: number): void {
    const n = this.#at.length;
    // Samples closer than 1/20 of the window replace each other: the arrays stay short.
    if (n >= 2 && now - this.#at[n - 2]! < this.#windowMs / 20) {
      this.#at[n - 1] = now;
      this.#value[n - 1] = cumulative;
    } else {
      this.#at.push(now);
      this.#value.push(cumulative);
    }
    // Keep one sample at or before the window's start, so the rate spans the whole window.
    while (this.#at.length > 2 && now - this.#at[1]! >= this.#windowMs) {
      this.#at.shift();
      this.#value.shift();
    }
  }

  /** Growth per second over the window ending at the newest record (0 until a quarter of a window has been seen). */
  rate(): number {
    const n = this.#at.length;
    if (n < 2) return 0;
    const span = this.#at[n - 1]! - this.#at[0]!;
    // Two events a millisecond apart say nothing about a rate per second.
    return span >= this.#windowMs / 4 ? ((this.#value[n - 1]! - this.#value[0]!) * 1000) / span : 0;
  }
}

/** Counts events over a trailing window (corrections per minute). */
export class EventWindow {
  readonly #windowMs: number;
  #at: number[] = [];
  #started: number;

  constructor(windowMs: number, now: number) {
    this.#windowMs = windowMs;
    this.#started = now;
  }

  add(now: number): void {
    this.#at.push(now);
  }

  /** Events in the window ending `now`, scaled to a full window while less than one has elapsed. */
  perWindow(now: number): number {
    while (this.#at.length > 0 && now - this.#at[0]! > this.#windowMs) this.#at.shift();
    const elapsed = Math.min(this.#windowMs, now - this.#started);
    // Under a second of history says too little to scale up.
    return elapsed < 1000 ? this.#at.length : (this.#at.length * this.#windowMs) / elapsed;
  }
}
