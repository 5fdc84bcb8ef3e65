import { angleDelta } from "@tickwire/shared/wire";
/** Where to draw an entity. */
export interface Pose {
  x: number;
  y: number;
  aim: number;
  /** True when the rendered tick is past the newest sample (the pose is extrapolated, or held). */
  extrapolated: boolean;
}

export interface SnapshotBufferOptions {
  /** Seconds per server tick. */
  tickSeconds: number;
  /** Samples kept (the oldest is overwritten). Default 32, about a second at 30 Hz. */
  capacity?: number;
  /** At most this many ticks are extrapolated past the newest sample; the pose then holds. Default 3. */
  maxExtrapolationTicks?: number;
  /** Two consecutive samples further apart than this (units) are a teleport (a respawn): not interpolated across. */
  teleportDistance: number;
}

/**
 * One remote entity's recent states, keyed by server tick, rendered a delay in the past.
 * Samples are pushed when the entity's fields change, each with the tick of the frame that
 * carried it, so entities updated at different rates (the server's near and far rings)
 * interpolate each over their own sample times.
 */
export class SnapshotBuffer {
  readonly #cap: number;
  readonly #tick: Float64Array;
  readonly #x: Float64Array;
  readonly #y: Float64Array;
  readonly #vx: Float64Array;
  readonly #vy: Float64Array;
  readonly #aim: Float64Array;
  readonly #tickSeconds: number;
  readonly #maxExtrapolation: number;
  readonly #teleport2: number;
  /** Index of the newest sample, and how many are held. */
  #head = -1;
  #size = 0;
  /** The newest tick rendered so far: rendering never goes back before it. */
  #shown = -Infinity;

  constructor(opts: SnapshotBufferOptions) {
    this.#cap = opts.capacity ?? 32;
    this.#tick = new Float64Array(this.#cap);
    this.#x = new Float64Array(this.#cap);
    this.#y = new Float64Array(this.#cap);
    this.#vx = new Float64Array(this.#cap);
    this.#vy = new Float64Array(this.#cap);
    this.#aim = new Float64Array(this.#cap);
    this.#tickSeconds = opts.tickSeconds;
    this.#maxExtrapolation = opts.maxExtrapolationTicks ?? 3;
    this.#teleport2 = opts.teleportDistance * opts.teleportDistance;
  }

  get size(): number {
    return this.#size;
  }
  /** Tick of the newest sample (NaN when empty). */
  get newestTick(): number {
    return this.#size > 0 ? this.#tick[this.#head]! : NaN;
  }

  /** The newest sample's fields (NaN when empty). */
  get lastX(): number {
    return this.#newest(this.#x);
  }
  get lastY(): number {
    return this.#newest(this.#y);
  }
  get lastVx(): number {
    return this.#newest(this.#vx);
  }
  get lastVy(): number {
    return this.#newest(this.#vy);
  }
  get lastAim(): number {
    return this.#newest(this.#aim);
  }

  #newest(a: Float64Array): number {
    return this.#size > 0 ? a[this.#head]! : NaN;
  }

  /**
   * Adds the entity's state at server tick `tick`. A sample not newer than the newest held is
   * ignored (it arrived out of order): returns false.
   */
  push(tick: number, x: number, y: number, vx: number, vy: number, aim: number): boolean {
    if (this.#size > 0 && tick <= this.#tick[this.#head]!) return false;
    this.#head = (this.#head + 1) % this.#cap;
    this.#size = Math.min(this.#size + 1, this.#cap);
    const i = this.#head;
    this.#tick[i] = tick;
    this.#x[i] = x;
    this.#y[i] = y;
    this.#vx[i] = vx;
    this.#vy[i] = vy;
    this.#aim[i] = aim;
    return true;
  }

  /**
   * The pose at server tick `tick` (fractional), written into `out`. Between two samples it
   * interpolates; past the newest it extrapolates along the newest velocity for at most
   * `maxExtrapolationTicks`; before the oldest it holds the oldest. A tick older than one
   * already rendered renders as that one: the entity never moves backwards in time.
   * Returns false (and leaves `out` alone) when there is no sample.
   */
  sample(tick: number, out: Pose): boolean {
    if (this.#size === 0) return false;
    const t = Math.max(tick, this.#shown);
    this.#shown = t;
    const newest = this.#head;
    if (t >= this.#tick[newest]!) {
      const ahead = Math.min(t - this.#tick[newest]!, this.#maxExtrapolation) * this.#tickSeconds;
      out.x = this.#x[newest]! + this.#vx[newest]! * ahead;
      out.y = this.#y[newest]! + this.#vy[newest]! * ahead;
      out.aim = this.#aim[newest]!;
      out.extrapolated = t > this.#tick[newest]!;
      return true;
    }
    // Walk back from the newest to the pair (older, newer) around t.
    let b = newest;
    for (let n = 1; n < this.#size; n++) {
      const a = (b - 1 + this.#cap) % this.#cap;
      if (this.#tick[a]! <= t) {
        this.#between(a, b, t, out);
        return true;
      }
      b = a;
    }
    // Older than everything held: the oldest sample.
    out.x = this.#x[b]!;
    out.y = this.#y[b]!;
    out.aim = this.#aim[b]!;
    out.extrapolated = false;
    return true;
  }

  #between(a: number, b: number, t: number, out: Pose): void {
    const dx = this.#x[b]! - this.#x[a]!;
    const dy = this.#y[b]! - this.#y[a]!;
    out.extrapolated = false;
    if (dx * dx + dy * dy > this.#teleport2) {
      // A jump (respawn): shown where it was until the sample that moved it.
      out.x = this.#x[a]!;
      out.y = this.#y[a]!;
      out.aim = this.#aim[a]!;
      return;
    }
    const k = (t - this.#tick[a]!) / (this.#tick[b]! - this.#tick[a]!);
    out.x = this.#x[a]! + dx * k;
    out.y = this.#y[a]! + dy * k;
    out.aim = lerpAngle(this.#aim[a]!, this.#aim[b]!, k);
  }
}

/** Interpolates between two angles (radians) the short way round. */
export function lerpAngle(a: number, b: number, k: number): number {
  return a + angleDelta(a, b) * k;
}
