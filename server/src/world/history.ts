/** Where a player was at the end of one tick. */
export interface PastBody {
  x: number;
  y: number;
  alive: boolean;
}

/**
 * The last few ticks of every player's position, for lag compensation: a shot is tested
 * against the world as the shooter saw it. A ring of `size` ticks; older ticks are overwritten.
 */
export class History {
  readonly #ticks: Array<{ tick: number; bodies: Map<string, PastBody> } | undefined>;

  constructor(readonly size: number) {
    this.#ticks = new Array(size).fill(undefined);
  }

  record(tick: number, bodies: Map<string, PastBody>): void {
    this.#ticks[tick % this.size] = { tick, bodies };
  }

  #at(tick: number): Map<string, PastBody> | undefined {
    const slot = this.#ticks[tick % this.size];
    return slot?.tick === tick ? slot.bodies : undefined;
  }

  /**
   * Where `id` was at the fractional `tick`, interpolated between the two recorded ticks around
   * it (as a client interpolates). Undefined when the player was not there or is not recorded.
   */
  bodyAt(id: string, tick: number): PastBody | undefined {
    const lo = Math.floor(tick);
    const a = this.#at(lo)?.get(id);
    const frac = tick - lo;
    if (frac === 0 || !a) return a;
    const b = this.#at(lo + 1)?.get(id);
    if (!b) return a;
    return { x: a.x + (b.x - a.x) * frac, y: a.y + (b.y - a.y) * frac, alive: a.alive && b.alive };
  }
}
