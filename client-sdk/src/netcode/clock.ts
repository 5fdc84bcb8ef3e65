/** Tuning of the server clock estimate. */
export interface ClockOptions {
  /** How far back the best (least delayed) frame is remembered, in ms. Default 2000. */
  windowMs?: number;
  /** Largest rate at which the smoothed timeline speeds up or slows down to follow the estimate (0.05 = ±5%). Default 0.05. */
  maxSlew?: number;
  /** A gap between the smoothed timeline and the estimate past this many ms is closed at once (a stall, a reconnect). Default 250. */
  snapMs?: number;
}

/**
 * The server's tick timeline as seen from this client. Every state frame carries the server
 * tick it was sent at; the frame that took least time to arrive (the window's best) pins
 * "server time minus local time". Frames that waited in a queue arrive late and are ignored
 * by that maximum, so the estimate follows the path's floor, not its jitter.
 *
 * Two timelines come out of it:
 * - `arrivalTick(now)`: the newest tick whose frame could have arrived by now. Interpolation
 *   renders a fixed delay behind it. It is slew-limited (it runs between 1 − maxSlew and
 *   1 + maxSlew times real time) unless the gap is past `snapMs`.
 * - `serverTick(now)`: the tick the server is at now, half a round trip further on.
 *
 * Pure: every method takes the local time (ms, monotonic) as an argument.
 */
export class ServerClock {
  readonly tickMs: number;
  readonly #windowMs: number;
  readonly #maxSlew: number;
  readonly #snapMs: number;
  /** Monotonic deque of (arrival time, offset) with decreasing offsets: its head is the window's maximum. */
  #bestAt: number[] = [];
  #bestOffset: number[] = [];
  /** Smoothed offset (server ms − local ms) and when it was last advanced. */
  #offset = NaN;
  #offsetAt = 0;
  #lastTick = -1;
  #lastArrival = 0;
  #jitter = 0;
  #rtt = NaN;
  #smoothedRtt = NaN;

  constructor(tickHz: number, opts: ClockOptions = {}) {
    this.tickMs = 1000 / tickHz;
    this.#windowMs = opts.windowMs ?? 2000;
    this.#maxSlew = opts.maxSlew ?? 0.05;
    this.#snapMs = opts.snapMs ?? 250;
  }

  /** True once a frame has been seen. */
  get synced(): boolean { return !Number.isNaN(this.#offset); }

  /** A state frame for server tick `tick` arrived at local time `now`. Older or repeated ticks are ignored. */
  observe(tick: number, now: number): void {
    if (tick <= this.#lastTick) return;
    const sent = tick * this.tickMs;
    if (this.#lastTick >= 0) {
      // RFC 3550 interarrival jitter: how far each gap strays from the gap between send times.
      const d = (now - this.#lastArrival) - (sent - this.#lastTick * this.tickMs);
      this.#jitter += (Math.abs(d) - this.#jitter) / 16;
    }
    this.#lastTick = tick;
    this.#lastArrival = now;

    const offset = sent - now;
    while (this.#bestOffset.length > 0 && this.#bestOffset[this.#bestOffset.length - 1]! <= offset) {
      this.#bestOffset.pop();
      this.#bestAt.pop();
    }
    this.#bestOffset.push(offset);
    this.#bestAt.push(now);
    while (this.#bestAt.length > 1 && now - this.#bestAt[0]! > this.#windowMs) {
      this.#bestAt.shift();
      this.#bestOffset.shift();
    }
    if (!this.synced) {
      this.#offset = offset;
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
    this.#bestAt = [];
    this.#bestOffset = [];
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

  /** The server's clock now, in ms since its tick 0. */
  serverTimeMs(now: number): number {
    return this.serverTick(now) * this.tickMs;
  }

  /** Newest round-trip sample in ms (NaN before the first). */
  get rttMs(): number { return this.#rtt; }
  /** Smoothed round trip in ms (NaN before the first sample). */
  get smoothedRttMs(): number { return this.#smoothedRtt; }
  /** Interarrival jitter of state frames in ms (RFC 3550 style; 0 on a steady path). */
  get jitterMs(): number { return this.#jitter; }

  // Moves the smoothed offset toward the window's best, at most maxSlew ms per elapsed ms.
  #advance(now: number): number {
    if (!this.synced) return NaN;
    const target = this.#bestOffset[0] ?? this.#offset;
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
