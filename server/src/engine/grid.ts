/** One placed entity: its key, where it was last placed, and a dense slot number. */
export interface GridEntry<K> {
  readonly key: K;
  x: number;
  y: number;
  /**
   * A small integer unique among the placed entities (freed slots are reused), for callers that
   * keep per-entity state in flat arrays instead of maps.
   */
  readonly slot: number;
}

/**
 * A uniform grid over the world: which entity is in which square cell. Entities are placed
 * when they appear and re-placed every tick; a query visits only the cells around a point, so
 * finding the neighbours of every player costs what those players can see, not the room size.
 */
export class SpatialGrid<K = string> {
  readonly cellSize: number;
  readonly #cols: number;
  readonly #rows: number;
  /** The entries of each cell, unordered (removal swaps the last one in). */
  readonly #cells: Array<Array<GridEntry<K>>>;
  readonly #entries = new Map<K, { entry: GridEntry<K>; cell: number; index: number }>();
  readonly #freeSlots: number[] = [];
  #slots = 0;

  constructor(width: number, height: number, cellSize: number) {
    if (!(cellSize > 0)) throw new Error(`grid cell size must be positive, got ${cellSize}`);
    this.cellSize = cellSize;
    this.#cols = Math.max(1, Math.ceil(width / cellSize));
    this.#rows = Math.max(1, Math.ceil(height / cellSize));
    this.#cells = Array.from({ length: this.#cols * this.#rows }, () => []);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** One more than the highest slot handed out so far: flat per-slot arrays need this length. */
  get slotCapacity(): number {
    return this.#slots;
  }

  // A coordinate that is not a finite number (a game's bug) counts as 0: the entity is still
  // placed, in the first cell, rather than the room failing.
  #col(x: number): number {
    return Number.isFinite(x) ? Math.min(this.#cols - 1, Math.max(0, Math.floor(x / this.cellSize))) : 0;
  }

  #row(y: number): number {
    return Number.isFinite(y) ? Math.min(this.#rows - 1, Math.max(0, Math.floor(y / this.cellSize))) : 0;
  }

  /** Puts `key` in the cell holding (x, y), moving it if it was elsewhere. */
  place(key: K, x: number, y: number): GridEntry<K> {
    const cell = this.#row(y) * this.#cols + this.#col(x);
    let placed = this.#entries.get(key);
    if (!placed) {
      const slot = this.#freeSlots.pop() ?? this.#slots++;
      placed = { entry: { key, x, y, slot }, cell, index: this.#cells[cell]!.length };
      this.#cells[cell]!.push(placed.entry);
      this.#entries.set(key, placed);
      return placed.entry;
    }
    placed.entry.x = x;
    placed.entry.y = y;
    if (placed.cell !== cell) {
      this.#takeOut(placed);
      placed.cell = cell;
      placed.index = this.#cells[cell]!.length;
      this.#cells[cell]!.push(placed.entry);
    }
    return placed.entry;
  }

  remove(key: K): void {
    const placed = this.#entries.get(key);
    if (!placed) return;
    this.#takeOut(placed);
    this.#entries.delete(key);
    this.#freeSlots.push(placed.entry.slot);
  }

  /** Calls `cb` with every placed entry (do not place or remove during the walk). */
  forEach(cb: (entry: GridEntry<K>) => void): void {
    for (const placed of this.#entries.values()) cb(placed.entry);
  }

  entryOf(key: K): GridEntry<K> | undefined {
    return this.#entries.get(key)?.entry;
  }

  #takeOut(placed: { entry: GridEntry<K>; cell: number; index: number }): void {
    const list = this.#cells[placed.cell]!;
    const last = list.pop()!;
    if (last !== placed.entry) {
      list[placed.index] = last;
      this.#entries.get(last.key)!.index = placed.index;
    }
  }

  /**
   * Writes into `out`, from index `from`, every entry in the cells that overlap the square of
   * half-side `r` around (x, y): a superset of those within distance `r`, which the caller
   * narrows down. Returns the index after the last one written (`out` keeps its length: a
   * list reused across calls keeps its storage).
   */
  collectNear(x: number, y: number, r: number, out: Array<GridEntry<K>>, from = 0): number {
    let n = from;
    const c0 = this.#col(x - r);
    const c1 = this.#col(x + r);
    const r0 = this.#row(y - r);
    const r1 = this.#row(y + r);
    for (let row = r0; row <= r1; row++) {
      const base = row * this.#cols;
      for (let col = c0; col <= c1; col++) {
        const list = this.#cells[base + col]!;
        for (let i = 0; i < list.length; i++) out[n++] = list[i]!;
      }
    }
    return n;
  }
}
