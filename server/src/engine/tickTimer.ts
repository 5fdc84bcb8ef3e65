import type { Metrics } from "../observability/metrics.ts";
import type { RecentTimings } from "../observability/recent.ts";

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
  /** The latest steps' durations and lateness (ms), for the monitor's live view. */
  #recent: RecentTimings;

  constructor(stepMs: number, metrics: Metrics, recent: RecentTimings) {
    this.#stepMs = stepMs;
    this.#metrics = metrics;
    this.#recent = recent;
  }

  begin(): void {
    const now = performance.now();
    if (this.#ideal === 0 || now - this.#ideal > RESYNC_STEPS * this.#stepMs) this.#ideal = now;
    const late = Math.max(0, now - this.#ideal);
    this.#metrics.tickLateness.observe(late / 1000);
    this.#recent.addLateness(late);
    this.#ideal += this.#stepMs;
    this.#started = now;
  }

  end(): void {
    const ms = performance.now() - this.#started;
    this.#metrics.tickDuration.observe(ms / 1000);
    this.#recent.addTick(ms);
  }
}
