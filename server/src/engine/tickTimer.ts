import type { Metrics } from "../observability/metrics.ts";

/** Steps that run this late are a hitch the fixed-step loop drops; re-anchor the ideal grid. */
const RESYNC_STEPS = 5;

/**
 * Measures each fixed step: how long it ran, and how late it started against the ideal
 * grid `start + n * stepMs` (the accumulator may run several steps at once after a stall).
 */
export class TickTimer {
  #stepMs: number;
  #metrics: Metrics;
  #ideal = 0;
  #started = 0;

  constructor(stepMs: number, metrics: Metrics) {
    this.#stepMs = stepMs;
    this.#metrics = metrics;
  }

  begin(): void {
    const now = performance.now();
    if (this.#ideal === 0 || now - this.#ideal > RESYNC_STEPS * this.#stepMs) this.#ideal = now;
    this.#metrics.tickLateness.observe(Math.max(0, now - this.#ideal) / 1000);
    this.#ideal += this.#stepMs;
    this.#started = now;
  }

  end(): void {
    this.#metrics.tickDuration.observe((performance.now() - this.#started) / 1000);
  }
}
