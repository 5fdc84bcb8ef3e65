import type { StateView } from "@colyseus/schema";
import type { Player } from "@tickwire/shared";
import type { World } from "../world/World.ts";

export interface InterestOptions {
  /** A player further than this (units) from a viewer is never in that viewer's state. */
  radius: number;
  /**
   * A player enters a view only once it is within `radius - hysteresis`, and leaves it beyond
   * `radius`: one walking along the edge does not flicker in and out (each entry costs a full
   * entity on the reliable channel).
   */
  hysteresis: number;
}

/** What one update changed, for metrics and tests. */
export interface InterestChanges {
  entered: number;
  left: number;
}

interface Viewer {
  readonly view: StateView;
  /** The players this viewer's client has been given, by id (itself included, first). */
  visible: Map<string, Player>;
}

/**
 * Who sees whom. Each viewer (a client's seat) has a Colyseus StateView; `update()` finds the
 * players around each viewer in the world's spatial grid and adds the ones that came into range
 * to its view and removes the ones that went out, so the client's state gains and loses them
 * through the normal reliable patch. A viewer always sees itself.
 *
 * Call `update()` right before a reliable patch is encoded (the room does it in its flush): a
 * player's fast fields go to a client only once the reliable patch that introduces the player
 * has been written to that client.
 */
export class InterestManager {
  readonly #world: World;
  readonly #enter2: number;
  readonly #leave2: number;
  readonly #radius: number;
  readonly #viewers = new Map<string, Viewer>();

  constructor(world: World, opts: InterestOptions) {
    if (!(opts.radius > 0)) throw new Error(`interest radius must be positive, got ${opts.radius}`);
    const enter = Math.max(0, opts.radius - Math.max(0, opts.hysteresis));
    this.#world = world;
    this.#radius = opts.radius;
    this.#enter2 = enter * enter;
    this.#leave2 = opts.radius * opts.radius;
  }

  get radius(): number {
    return this.#radius;
  }

  /** Starts tracking what `id`'s client sees; its own player is visible at once. */
  addViewer(id: string, view: StateView): void {
    const self = this.#world.state.players.get(id);
    const viewer: Viewer = { view, visible: new Map() };
    if (self) {
      view.add(self);
      viewer.visible.set(id, self);
    }
    this.#viewers.set(id, viewer);
  }

  /** Stops tracking `id`'s view, and takes its player out of every other view at once. */
  removeViewer(id: string): void {
    this.#viewers.delete(id);
    for (const viewer of this.#viewers.values()) viewer.visible.delete(id);
  }

  /** Re-derives every view from the players' current positions. */
  update(): InterestChanges {
    const players = this.#world.state.players;
    const grid = this.#world.grid;
    const changes: InterestChanges = { entered: 0, left: 0 };
    for (const [id, viewer] of this.#viewers) {
      const self = players.get(id);
      if (!self) continue;
      const next = new Map<string, Player>([[id, self]]);
      const { x, y } = self;
      grid.forEachNear(x, y, this.#radius, (other) => {
        if (other === id) return;
        const p = players.get(other);
        if (!p) return;
        const dx = p.x - x;
        const dy = p.y - y;
        const d2 = dx * dx + dy * dy;
        if (d2 > (viewer.visible.has(other) ? this.#leave2 : this.#enter2)) return;
        next.set(other, p);
        if (!viewer.visible.has(other)) {
          viewer.view.add(p);
          changes.entered++;
        }
      });
      for (const other of viewer.visible.keys()) {
        if (next.has(other)) continue;
        // A player that left the room is already gone from the state (and from every view).
        const p = players.get(other);
        if (p) viewer.view.remove(p);
        changes.left++;
      }
      viewer.visible = next;
    }
    return changes;
  }

  /** The players `id`'s client holds, itself first (as of the last update). */
  playersSeenBy(id: string): Iterable<Player> | undefined {
    return this.#viewers.get(id)?.visible.values();
  }

  /** True when `id`'s client holds player `other`. */
  sees(id: string, other: string): boolean {
    return this.#viewers.get(id)?.visible.has(other) ?? false;
  }

  /**
   * True when the segment from (x0, y0) to (x1, y1) passes within `id`'s area of interest (as of
   * its player's position now): a shot there is something its client can see.
   */
  seesSegment(id: string, x0: number, y0: number, x1: number, y1: number): boolean {
    const self = this.#world.state.players.get(id);
    if (!self) return false;
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.min(1, Math.max(0, ((self.x - x0) * dx + (self.y - y0) * dy) / len2)) : 0;
    const px = x0 + dx * t - self.x;
    const py = y0 + dy * t - self.y;
    return px * px + py * py <= this.#leave2;
  }
}
