/**
 * A uniform grid over the world: which entity is in which square cell. Entities are placed
 * when they appear and re-placed every tick; a query visits only the cells around a point, so
 * finding the neighbours of every player costs what those players can see, not the room size.
 */
export class SpatialGrid {
  readonly cellSize: number;
  readonly #cols: number;
  readonly #rows: number;
  readonly #cells: Array<Set<string>>;
  /** Cell index of every placed entity. */
  readonly #cellOf = new Map<string, number>();

  constructor(width: number, height: number, cellSize: number) {
    if (!(cellSize > 0)) throw new Error(`grid cell size must be positive, got ${cellSize}`);
    this.cellSize = cellSize;
    this.#cols = Math.max(1, Math.ceil(width / cellSize));
    this.#rows = Math.max(1, Math.ceil(height / cellSize));
    this.#cells = Array.from({ length: this.#cols * this.#rows }, () => new Set<string>());
  }

  get size(): number {
    return this.#cellOf.size;
  }

  #col(x: number): number {
    return Math.min(this.#cols - 1, Math.max(0, Math.floor(x / this.cellSize)));
  }

  #row(y: number): number {
    return Math.min(this.#rows - 1, Math.max(0, Math.floor(y / this.cellSize)));
  }

  /** Puts `id` in the cell holding (x, y), moving it if it was elsewhere. */
  place(id: string, x: number, y: number): void {
    const cell = this.#row(y) * this.#cols + this.#col(x);
    const was = this.#cellOf.get(id);
    if (was === cell) return;
    if (was !== undefined) this.#cells[was]!.delete(id);
    this.#cells[cell]!.add(id);
    this.#cellOf.set(id, cell);
  }

  remove(id: string): void {
    const was = this.#cellOf.get(id);
    if (was === undefined) return;
    this.#cells[was]!.delete(id);
    this.#cellOf.delete(id);
  }

  /**
   * Calls `fn` for every entity in the cells that overlap the square of half-side `r` around
   * (x, y): a superset of those within distance `r`, which the caller narrows down.
   */
  forEachNear(x: number, y: number, r: number, fn: (id: string) => void): void {
    const c0 = this.#col(x - r);
    const c1 = this.#col(x + r);
    const r0 = this.#row(y - r);
    const r1 = this.#row(y + r);
    for (let row = r0; row <= r1; row++) {
      const base = row * this.#cols;
      for (let col = c0; col <= c1; col++) {
        for (const id of this.#cells[base + col]!) fn(id);
      }
    }
  }
}
