/** How many of a room's latest ticks and flushes its live figures cover (about 4 s at 30 Hz). */
export const RECENT_SAMPLES = 128;
/**
 * How many of the process's latest ticks and flushes, all rooms together, its live figures cover
 * (a second or more of 100 rooms at 30 Hz): sorting them is the whole cost of a view's quantiles,
 * whatever the number of rooms.
 */
export const PROCESS_RECENT_SAMPLES = 4096;
/** The process's figures cover at most this much time (ms): a quiet process's old steps age out. */
export const PROCESS_RECENT_MS = 5000;

/**
 * The latest timings of one room (milliseconds), kept for the monitor's live view: a fixed ring
 * written once per tick, read only when the view asks. Prometheus' histograms cover the whole
 * uptime in coarse buckets; this tells how the last few seconds went, to the microsecond.
 */
export class RecentSamples {
  readonly #values: Float32Array;
  /** When each sample was taken (performance.now()), for a ring whose samples age out. */
  readonly #at: Float64Array | undefined;
  #next = 0;
  #count = 0;

  constructor(size = RECENT_SAMPLES, timed = false) {
    this.#values = new Float32Array(size);
    this.#at = timed ? new Float64Array(size) : undefined;
  }

  add(ms: number): void {
    this.#values[this.#next] = ms;
    if (this.#at) this.#at[this.#next] = performance.now();
    this.#next = this.#next + 1 === this.#values.length ? 0 : this.#next + 1;
    if (this.#count < this.#values.length) this.#count++;
  }

  get count(): number {
    return this.#count;
  }

  /** Copies the samples (of a timed ring, those taken at `since` or later) into `out` from `at`; returns where the next copy goes. */
  copyInto(out: Float64Array, at: number, since = Number.NEGATIVE_INFINITY): number {
    const times = this.#at;
    for (let i = 0; i < this.#count; i++) {
      if (times && times[i]! < since) continue;
      out[at++] = this.#values[i]!;
    }
    return at;
  }

  /** The q-quantile (0..1) of the samples, or undefined when there are none. */
  quantile(q: number): number | undefined {
    return quantileOf([this], q)[0];
  }
}

/**
 * The q-quantiles of every sample of `sets` taken together (nearest rank), one per q; undefined
 * where there are no samples.
 */
export function quantileOf(sets: Iterable<RecentSamples>, ...qs: number[]): Array<number | undefined> {
  return quantileSince(sets, Number.NEGATIVE_INFINITY, ...qs);
}

/** As quantileOf, over the samples of timed rings taken at `since` (performance.now()) or later. */
export function quantileSince(
  sets: Iterable<RecentSamples>,
  since: number,
  ...qs: number[]
): Array<number | undefined> {
  let room = 0;
  const list = [...sets];
  for (const s of list) room += s.count;
  const all = new Float64Array(room);
  let total = 0;
  for (const s of list) total = s.copyInto(all, total, since);
  if (total === 0) return qs.map(() => undefined);
  const taken = all.subarray(0, total);
  taken.sort();
  return qs.map((q) => taken[Math.min(total - 1, Math.max(0, Math.ceil(q * total) - 1))]);
}

/**
 * Latest timings of a room (or of the whole process): step duration, step lateness, flush
 * duration. A room's also go to the process's (`parent`).
 */
export class RecentTimings {
  readonly tick: RecentSamples;
  readonly lateness: RecentSamples;
  readonly flush: RecentSamples;
  readonly #parent: RecentTimings | undefined;

  /** `timed`: the samples carry their time, so that old ones can be left out (the process's). */
  constructor(size = RECENT_SAMPLES, parent?: RecentTimings, timed = false) {
    this.tick = new RecentSamples(size, timed);
    this.lateness = new RecentSamples(size, timed);
    this.flush = new RecentSamples(size, timed);
    this.#parent = parent;
  }

  addTick(ms: number): void {
    this.tick.add(ms);
    this.#parent?.addTick(ms);
  }

  addLateness(ms: number): void {
    this.lateness.add(ms);
    this.#parent?.addLateness(ms);
  }

  addFlush(ms: number): void {
    this.flush.add(ms);
    this.#parent?.addFlush(ms);
  }
}
