/** Tuning of the server clock estimate. */
export interface ClockOptions {
  /** Weight of each new frame in the arrival-timeline average (smaller is steadier). Default 1/16. */
  gain?: number;
  /** Largest rate at which the drawn timeline speeds up or slows down to follow the average (0.05 = ±5%). Default 0.05. */
  maxSlew?: number;
  /** Frames this many ms off the average, three in a row, re-seat it at once (a stall, a reconnect). Default 250. */
  snapMs?: number;
}

/** Consecutive far-off frames that re-seat the average. */
const OUTLIERS_TO_SNAP = 3;

/**
 * The server's tick timeline as seen from this client. Every state frame carries the server
 * tick it was sent at; the average of "tick time minus arrival time" over recent frames pins
 * when each tick's frame typically arrives. (The average, not the earliest: the server's own
 * timer runs its steps late and then catches up in bursts, so the earliest frames are early
 * ones, and a drawn timeline pinned to them would run ahead of most frames.)
 *
 * Two timelines come out of it:
 * - `arrivalTick(now)`: the tick whose frame typically arrives now. Interpolation renders a
 *   fixed delay behind it. It is slew-limited (it runs between 1 − maxSlew and 1 + maxSlew
 *   times real time) unless the gap is past `snapMs`.
 * - `serverTick(now)`: the tick the server is at now, half a round trip further on.
 *
 * Pure: every method takes the local time (ms, monotonic) as an argument.
 */
export class ServerClock {
  readonly tickMs: number;
  readonly #gain: number;
  readonly #maxSlew: number;
  readonly #snapMs: number;
  /** Average of (tick time − arrival time), frames seen, and far-off frames in a row. */
  #target = NaN;
  #samples = 0;
  #outliers = 0;
  /** Offset the drawn timeline uses (server ms − local ms), and when it was last advanced. */
  #offset = NaN;
  #offsetAt = 0;
  #lastTick = -1;
  #lastArrival = 0;
  #jitter = 0;
  #rtt = NaN;
  #smoothedRtt = NaN;

  constructor(tickHz: number, opts: ClockOptions = {}) {
    this.tickMs = 1000 / tickHz;
    this.#gain = opts.gain ?? 1 / 16;
    this.#maxSlew = opts.maxSlew ?? 0.05;
    this.#snapMs = opts.snapMs ?? 250;
  }

  /** True once a frame has been seen. */
  get synced(): boolean {
    return !Number.isNaN(this.#offset);
  }

  /** A state frame for server tick `tick` arrived at local time `now`. Older or repeated ticks are ignored. */
  observe(tick: number, now: number): void {
    if (tick <= this.#lastTick) return;
    const sent = tick * this.tickMs;
    if (this.#lastTick >= 0) {
      // RFC 3550 interarrival jitter: how far each gap strays from the gap between send times.
      const d = now - this.#lastArrival - (sent - this.#lastTick * this.tickMs);
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#lastTick = tick;
    this.#lastArrival = now;

    const offset = sent - now;
    if (this.#samples > 0 && Math.abs(offset - this.#target) > this.#snapMs) {
      if (++this.#outliers < OUTLIERS_TO_SNAP) return;
      this.#samples = 0;
    }
    this.#outliers = 0;
    this.#samples++;
    // The first frames average evenly, then the weight settles at `gain`.
    const k = Math.max(this.#gain, 1 / this.#samples);
    this.#target = this.#samples === 1 ? offset : this.#target + (offset - this.#target) * k;
    if (!this.synced || this.#samples === 1) {
      this.#offset = this.#target;
      this.#offsetAt = now;
    }
  }

  /** A measured round trip, in ms. */
  observeRtt(ms: number): void {
    if (!(ms >= 0)) return;
    this.#rtt = ms;
    this.#smoothedRtt = Number.isNaN(this.#smoothedRtt) ? ms : this.#smoothedRtt + (ms - this.#smoothedRtt) / 8;
  }

  /** Forgets everything (a new connection: the path, and the server's frame numbering, may differ). */
  reset(): void {
    this.#target = NaN;
    this.#samples = 0;
    this.#outliers = 0;
    this.#offset = NaN;
    this.#lastTick = -1;
    this.#jitter = 0;
  }

  /** The newest tick whose frame could have arrived by `now` (fractional; smoothed, monotonic). NaN before the first frame. */
  arrivalTick(now: number): number {
    return (now + this.#advance(now)) / this.tickMs;
  }

  /** The server's current tick, estimated (fractional). NaN before the first frame. */
  serverTick(now: number): number {
    const halfRtt = Number.isNaN(this.#smoothedRtt) ? 0 : this.#smoothedRtt / 2;
    return this.arrivalTick(now) + halfRtt / this.tickMs;
  }

  /** Newest round-trip sample in ms (NaN before the first). */
  get rttMs(): number {
    return this.#rtt;
  }
  /** Smoothed round trip in ms (NaN before the first sample). */
  get smoothedRttMs(): number {
    return this.#smoothedRtt;
  }
  /** Interarrival jitter of state frames in ms (RFC 3550 style; 0 on a steady path). */
  get jitterMs(): number {
    return this.#jitter;
  }

  // Moves the drawn offset toward the average, at most maxSlew ms per elapsed ms.
  #advance(now: number): number {
    if (!this.synced) return NaN;
    const target = this.#target;
    const elapsed = Math.max(0, now - this.#offsetAt);
    this.#offsetAt = Math.max(this.#offsetAt, now);
    const gap = target - this.#offset;
    if (Math.abs(gap) > this.#snapMs) {
      // A stall or a route change: slewing would take seconds. (A backward snap is absorbed
      // by the interpolator, which never renders a tick older than one it has shown.)
      this.#offset = target;
    } else {
      const step = this.#maxSlew * elapsed;
      this.#offset += Math.max(-step, Math.min(step, gap));
    }
    return this.#offset;
  }
}
