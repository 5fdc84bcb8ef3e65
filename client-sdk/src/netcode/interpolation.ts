import { angleDelta } from "@tickwire/shared";

/** A sampled state, as `SnapshotBuffer.sample` writes it. */
export interface Pose {
  /** One value per column, in the buffer's column order. */
  values: number[];
  /** True when the rendered tick is past the newest sample (the pose is extrapolated, or held). */
  extrapolated: boolean;
}

/** What a buffer holds per sample, by column index. */
export interface SnapshotLayout {
  /** Values per sample. */
  columns: number;
  /** The two position columns: a jump between samples longer than the teleport distance is not interpolated across. */
  position: readonly [number, number];
  /** Velocity columns (units per second) for `position`: past the newest sample the position is extrapolated along them. */
  velocity?: readonly [number, number] | undefined;
  /** Columns holding angles in radians, interpolated the short way round (the others linearly). */
  angles?: readonly number[] | undefined;
}

export interface SnapshotBufferOptions extends SnapshotLayout {
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
 * interpolate each over their own sample times. A sample is a row of numbers whose meaning
 * the layout gives (which two are the position, the velocity, which are angles).
 *
 * @example
 * ```ts
 * // columns: x, y, heading
 * const buf = new SnapshotBuffer({ columns: 3, position: [0, 1], angles: [2], tickSeconds: 1 / 30, teleportDistance: 200 });
 * buf.push(10, [100, 0, 0]);
 * buf.push(12, [120, 0, 1]);
 * const pose: Pose = { values: [], extrapolated: false };
 * buf.sample(11, pose); // pose.values = [110, 0, 0.5]
 * ```
 */
export class SnapshotBuffer {
  readonly #cap: number;
  readonly #cols: number;
  readonly #tick: Float64Array;
  readonly #v: Float64Array;
  readonly #isAngle: boolean[];
  readonly #px: number;
  readonly #py: number;
  readonly #vel: readonly [number, number] | undefined;
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
    this.#cols = opts.columns;
    this.#tick = new Float64Array(this.#cap);
    this.#v = new Float64Array(this.#cap * this.#cols);
    this.#isAngle = Array.from({ length: this.#cols }, (_, i) => opts.angles?.includes(i) ?? false);
    [this.#px, this.#py] = opts.position;
    this.#vel = opts.velocity;
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

  /** Column `column` of the newest sample (NaN when empty). */
  last(column: number): number {
    return this.#size > 0 ? this.#v[this.#head * this.#cols + column]! : NaN;
  }

  /**
   * Adds the entity's state at server tick `tick` (one value per column). A sample not newer
   * than the newest held is ignored (it arrived out of order): returns false.
   */
  push(tick: number, values: ArrayLike<number>): boolean {
    if (this.#size > 0 && tick <= this.#tick[this.#head]!) return false;
    this.#head = (this.#head + 1) % this.#cap;
    this.#size = Math.min(this.#size + 1, this.#cap);
    this.#tick[this.#head] = tick;
    const base = this.#head * this.#cols;
    for (let c = 0; c < this.#cols; c++) this.#v[base + c] = values[c]!;
    return true;
  }

  /**
   * The pose at server tick `tick` (fractional), written into `out`. Between two samples it
   * interpolates; past the newest it extrapolates the position along the newest velocity (if
   * the layout has one) for at most `maxExtrapolationTicks`, the other columns holding; before
   * the oldest it holds the oldest. A tick older than one already rendered renders as that
   * one: the entity never moves backwards in time. Returns false (and leaves `out` alone)
   * when there is no sample.
   */
  sample(tick: number, out: Pose): boolean {
    if (this.#size === 0) return false;
    const t = Math.max(tick, this.#shown);
    this.#shown = t;
    const newest = this.#head;
    if (t >= this.#tick[newest]!) {
      this.#copy(newest, out);
      out.extrapolated = t > this.#tick[newest]!;
      if (this.#vel) {
        const ahead = Math.min(t - this.#tick[newest]!, this.#maxExtrapolation) * this.#tickSeconds;
        const base = newest * this.#cols;
        out.values[this.#px] = this.#v[base + this.#px]! + this.#v[base + this.#vel[0]]! * ahead;
        out.values[this.#py] = this.#v[base + this.#py]! + this.#v[base + this.#vel[1]]! * ahead;
      }
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
    this.#copy(b, out);
    out.extrapolated = false;
    return true;
  }

  #copy(i: number, out: Pose): void {
    const base = i * this.#cols;
    for (let c = 0; c < this.#cols; c++) out.values[c] = this.#v[base + c]!;
  }

  #between(a: number, b: number, t: number, out: Pose): void {
    const va = a * this.#cols;
    const vb = b * this.#cols;
    const dx = this.#v[vb + this.#px]! - this.#v[va + this.#px]!;
    const dy = this.#v[vb + this.#py]! - this.#v[va + this.#py]!;
    out.extrapolated = false;
    if (dx * dx + dy * dy > this.#teleport2) {
      // A jump (respawn): shown where it was until the sample that moved it.
      this.#copy(a, out);
      return;
    }
    const k = (t - this.#tick[a]!) / (this.#tick[b]! - this.#tick[a]!);
    for (let c = 0; c < this.#cols; c++) {
      const from = this.#v[va + c]!;
      const to = this.#v[vb + c]!;
      out.values[c] = this.#isAngle[c] ? lerpAngle(from, to, k) : from + (to - from) * k;
    }
  }
}

/**
 * Interpolates between two angles (radians) the short way round.
 *
 * @example
 * ```ts
 * lerpAngle(6.2, 0.1, 0.5); // about 6.45, across 2π rather than back through π
 * ```
 */
export function lerpAngle(a: number, b: number, k: number): number {
  return a + angleDelta(a, b) * k;
}
