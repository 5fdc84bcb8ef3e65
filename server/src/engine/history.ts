/** What lag compensation records of one collection's entities. */
export interface CollectionHistory {
  /** The entity's position fields, e.g. `["x", "y"]`. */
  readonly position: readonly [string, string];
  /** Other fields recorded with it (numbers are interpolated between ticks; booleans hold where both ticks agree). */
  readonly fields?: readonly string[];
}

/** One entity as it was at a past (fractional) tick: its position as `x`, `y`, and its recorded fields by name. */
export interface PastEntity {
  x: number;
  y: number;
  readonly [field: string]: number | boolean;
}

interface Collection {
  forEach(cb: (entity: object, key: string) => void): void;
}

type Snapshot = Map<string, Map<string, PastEntity>>;

/**
 * The last few ticks of chosen collections, for lag compensation: a shot (or any test) can be
 * made against the world as a client saw it. A ring of `size` ticks; older ticks are
 * overwritten. The engine records tick T as the world stands when step T begins.
 */
export class EntityHistory {
  readonly size: number;
  readonly #state: Record<string, unknown>;
  readonly #collections: ReadonlyArray<[string, CollectionHistory]>;
  /** Per tick (a ring): the records by collection and key, and the tick each record was last written for. */
  readonly #ticks: Array<{ tick: number; entities: Snapshot; recorded: Map<string, Map<string, number>> } | undefined>;

  constructor(state: object, size: number, collections: Readonly<Record<string, CollectionHistory>>) {
    if (!(size >= 2)) throw new Error(`a history needs at least 2 ticks, got ${size}`);
    this.size = Math.ceil(size);
    this.#state = state as Record<string, unknown>;
    this.#collections = Object.entries(collections);
    for (const [name] of this.#collections) {
      const c = this.#state[name] as Collection | undefined;
      if (typeof c?.forEach !== "function") throw new Error(`the state has no collection "${name}" to record`);
    }
    this.#ticks = new Array(this.size).fill(undefined);
  }

  /**
   * Records every entity of the recorded collections as tick `tick`. The records of the tick
   * this one overwrites are reused (no object per entity per tick): a record `at` returns stays
   * as it is for `size` ticks.
   */
  record(tick: number): void {
    const at = tick % this.size;
    let slot = this.#ticks[at];
    if (!slot) {
      slot = { tick, entities: new Map(), recorded: new Map() };
      this.#ticks[at] = slot;
    }
    slot.tick = tick;
    for (let c = 0; c < this.#collections.length; c++) {
      const [name, spec] = this.#collections[c]!;
      let records = slot.entities.get(name);
      let recorded = slot.recorded.get(name);
      if (!records || !recorded) {
        records = new Map();
        recorded = new Map();
        slot.entities.set(name, records);
        slot.recorded.set(name, recorded);
      }
      const byKey = records;
      const when = recorded;
      const [xf, yf] = spec.position;
      const fields = spec.fields;
      let seen = 0;
      (this.#state[name] as Collection).forEach((e, key) => {
        const v = e as Record<string, number | boolean>;
        let past = byKey.get(key) as Record<string, number | boolean> | undefined;
        if (!past) {
          past = { x: 0, y: 0 };
          byKey.set(key, past as PastEntity);
        }
        past.x = v[xf] as number;
        past.y = v[yf] as number;
        if (fields) for (let f = 0; f < fields.length; f++) past[fields[f]!] = v[fields[f]!]!;
        when.set(key, tick);
        seen++;
      });
      // Entities gone since this slot's last tick leave it.
      if (byKey.size > seen) {
        for (const [key, t] of when) {
          if (t === tick) continue;
          when.delete(key);
          byKey.delete(key);
        }
      }
    }
  }

  #at(tick: number): Snapshot | undefined {
    const slot = this.#ticks[tick % this.size];
    return slot?.tick === tick ? slot.entities : undefined;
  }

  /**
   * Where entity `key` of `collection` was at the fractional `tick`, interpolated between the
   * two recorded ticks around it (as a client interpolates). Undefined when it was not there or
   * the tick is no longer recorded.
   */
  at(collection: string, key: string, tick: number): PastEntity | undefined {
    const lo = Math.floor(tick);
    const a = this.#at(lo)?.get(collection)?.get(key);
    const frac = tick - lo;
    if (frac === 0 || !a) return a;
    const b = this.#at(lo + 1)
      ?.get(collection)
      ?.get(key);
    if (!b) return a;
    const out: Record<string, number | boolean> = {};
    for (const f in a) {
      const va = a[f]!;
      const vb = b[f];
      out[f] = typeof va === "number" && typeof vb === "number" ? va + (vb - va) * frac : va === vb ? va : false;
    }
    return out as PastEntity;
  }

  /** Every recorded key of `collection` at `tick` (whole ticks). */
  keysAt(collection: string, tick: number): IterableIterator<string> {
    return (this.#at(Math.floor(tick))?.get(collection) ?? new Map<string, PastEntity>()).keys();
  }
}
