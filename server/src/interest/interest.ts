import { $refId, type StateView } from "@colyseus/schema";
import type { Player } from "@tickwire/shared";
import type { World } from "../world/World.ts";
import type { GridEntry } from "../world/grid.ts";
import type { ClientInterest } from "../transport/unreliable/serializer.ts";

export interface InterestOptions {
  /** A player further than this (units) from a viewer is never in that viewer's state. */
  radius: number;
  /**
   * A player enters a view only once it is within `radius - hysteresis`, and leaves it beyond
   * `radius`: one walking along the edge does not flicker in and out (each entry costs a full
   * entity on the reliable channel).
   */
  hysteresis: number;
  /**
   * Players further than this (units) from a viewer are in the outer ring of its view: their
   * fast fields go to it every `farInterval` flushes instead of every flush. Default radius / 2.
   */
  nearRadius?: number;
  /** Flushes between two updates of an outer-ring player (1: every flush, no outer ring). Default 2. */
  farInterval?: number;
}

/** What one update changed, for metrics and tests. */
export interface InterestChanges {
  entered: number;
  left: number;
}

const NEAR = 1;
const FAR = 2;

const refIdOf = (p: Player) => (p as unknown as Record<symbol, number>)[$refId]!;

class Viewer implements ClientInterest {
  /** Per grid slot: the ring a held player is in (0: not held), and which player that is. */
  ring = new Uint8Array(0);
  keys: Array<Player | undefined> = [];
  /** The held players' grid entries, itself first. */
  held: Array<GridEntry<Player>>;
  /** Ref ids, for the flush (see ClientInterest). */
  near: number[];
  far: number[] = [];
  refresh: number[] = [];
  readonly self: number;

  constructor(
    readonly view: StateView,
    readonly entry: GridEntry<Player>,
  ) {
    this.self = refIdOf(entry.key);
    this.near = [this.self];
    this.held = [entry];
  }

  get player(): Player {
    return this.entry.key;
  }

  fit(capacity: number): void {
    if (this.ring.length >= capacity) return;
    const ring = new Uint8Array(Math.max(capacity, this.ring.length * 2, 64));
    ring.set(this.ring);
    this.ring = ring;
    this.keys.length = ring.length;
  }
}

/**
 * Who sees whom. Each viewer (a client's seat) has a Colyseus StateView; `update()` finds the
 * players around each viewer in the world's spatial grid and adds the ones that came into range
 * to its view and removes the ones that went out, so the client's state gains and loses them
 * through the normal reliable patch. A viewer always sees itself.
 *
 * Each viewer's players are split into the inner part of its view (fast fields every flush) and
 * the outer ring (every `farInterval` flushes), which is most of the area: bandwidth goes where
 * the player is looking closely. A player moving from the outer ring inwards gets its catch-up
 * in the next frame (`refresh`).
 *
 * Call `update()` right before a reliable patch is encoded (the room does it in its flush): a
 * player's fast fields go to a client only once the reliable patch that introduces the player
 * has been written to that client.
 */
export class InterestManager {
  readonly #world: World;
  readonly #enter2: number;
  readonly #leave2: number;
  readonly #near2: number;
  readonly #radius: number;
  readonly farInterval: number;
  readonly #viewers = new Map<string, Viewer>();
  /** Scratch for update(): the next ring and player of each slot, for the viewer at hand. */
  #nextRing = new Uint8Array(64);
  #nextKeys: Array<Player | undefined> = [];
  readonly #around: Array<GridEntry<Player>> = [];

  constructor(world: World, opts: InterestOptions) {
    if (!(opts.radius > 0)) throw new Error(`interest radius must be positive, got ${opts.radius}`);
    const enter = Math.max(0, opts.radius - Math.max(0, opts.hysteresis));
    const near = Math.min(opts.radius, opts.nearRadius ?? opts.radius / 2);
    this.#world = world;
    this.#radius = opts.radius;
    this.#enter2 = enter * enter;
    this.#leave2 = opts.radius * opts.radius;
    this.farInterval = Math.max(1, Math.floor(opts.farInterval ?? 2));
    this.#near2 = this.farInterval === 1 ? this.#leave2 : near * near;
  }

  get radius(): number {
    return this.#radius;
  }

  /** Starts tracking what `id`'s client sees; its own player is visible at once. */
  addViewer(id: string, view: StateView): void {
    const self = this.#world.state.players.get(id);
    const entry = self && this.#world.grid.entryOf(self);
    if (!self || !entry) throw new Error(`no player ${id} to view from`);
    view.add(self);
    const viewer = new Viewer(view, entry);
    viewer.fit(entry.slot + 1);
    viewer.ring[entry.slot] = NEAR;
    viewer.keys[entry.slot] = self;
    this.#viewers.set(id, viewer);
  }

  /**
   * A player left: stops tracking its view, and takes it out of every other view at once (its
   * removal from the state reaches those clients with the next patch).
   */
  removeViewer(id: string): void {
    const gone = this.#viewers.get(id);
    this.#viewers.delete(id);
    if (!gone) return;
    const ref = gone.self;
    const slot = gone.entry.slot;
    for (const viewer of this.#viewers.values()) {
      if (viewer.keys[slot] !== gone.player) continue;
      viewer.ring[slot] = 0;
      viewer.keys[slot] = undefined;
      viewer.held = viewer.held.filter((e) => e !== gone.entry);
      viewer.near = viewer.near.filter((r) => r !== ref);
      viewer.far = viewer.far.filter((r) => r !== ref);
      viewer.refresh = viewer.refresh.filter((r) => r !== ref);
    }
  }

  /** Re-derives every view from the players' current positions. */
  update(): InterestChanges {
    const grid = this.#world.grid;
    const changes: InterestChanges = { entered: 0, left: 0 };
    const capacity = grid.slotCapacity;
    if (this.#nextRing.length < capacity) {
      this.#nextRing = new Uint8Array(Math.max(capacity, this.#nextRing.length * 2));
      this.#nextKeys.length = this.#nextRing.length;
    }
    const nextRing = this.#nextRing;
    const nextKeys = this.#nextKeys;
    const around = this.#around;
    for (const viewer of this.#viewers.values()) {
      viewer.fit(capacity);
      const { entry: own, ring, keys, view } = viewer;
      const held: Array<GridEntry<Player>> = [own];
      const near: number[] = [viewer.self];
      const far: number[] = [];
      nextRing[own.slot] = NEAR;
      nextKeys[own.slot] = own.key;
      const x = own.x;
      const y = own.y;
      around.length = 0;
      grid.collectNear(x, y, this.#radius, around);
      for (let i = 0; i < around.length; i++) {
        const e = around[i]!;
        if (e === own) continue;
        const dx = e.x - x;
        const dy = e.y - y;
        const d2 = dx * dx + dy * dy;
        // A slot can change hands when a player leaves and another joins: match the player too.
        const was = keys[e.slot] === e.key ? ring[e.slot]! : 0;
        if (d2 > (was === 0 ? this.#enter2 : this.#leave2)) continue;
        const r = d2 > this.#near2 ? FAR : NEAR;
        nextRing[e.slot] = r;
        nextKeys[e.slot] = e.key;
        held.push(e);
        (r === NEAR ? near : far).push(refIdOf(e.key));
        if (was === 0) {
          view.add(e.key);
          changes.entered++;
        } else if (was === FAR && r === NEAR) {
          viewer.refresh.push(refIdOf(e.key));
        }
      }
      for (const e of viewer.held) {
        ring[e.slot] = 0;
        keys[e.slot] = undefined;
        if (nextKeys[e.slot] === e.key) continue;
        // Out of range; one that left the room is gone from the state and every view already.
        if (grid.entryOf(e.key) === e) view.remove(e.key);
        changes.left++;
      }
      for (const e of held) {
        ring[e.slot] = nextRing[e.slot]!;
        keys[e.slot] = e.key;
        nextRing[e.slot] = 0;
        nextKeys[e.slot] = undefined;
      }
      viewer.held = held;
      viewer.near = near;
      viewer.far = far;
    }
    return changes;
  }

  /** What `id`'s client holds, for the unreliable flush (see ClientInterest). */
  interestOf(id: string): ClientInterest | undefined {
    return this.#viewers.get(id);
  }

  /** How many players `id`'s client holds, itself included. */
  heldBy(id: string): number {
    return this.#viewers.get(id)?.held.length ?? 0;
  }

  /**
   * True when the segment from (x0, y0) to (x1, y1) passes within `id`'s area of interest (as of
   * its player's position now): a shot there is something its client can see.
   */
  seesSegment(id: string, x0: number, y0: number, x1: number, y1: number): boolean {
    const self = this.#viewers.get(id)?.player;
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
