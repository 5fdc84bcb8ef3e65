import { $refId, type Ref, type StateView } from "@colyseus/schema";
import type { ClientInterest } from "../transport/unreliable/serializer.ts";
import { type GridEntry, SpatialGrid } from "./grid.ts";

/** How one collection's entities take part in interest management. */
export interface CollectionInterest {
  /** The entity's position fields, e.g. `["x", "y"]`. */
  readonly position: readonly [string, string];
  /** An entity further than this (units) from a viewer is never in that viewer's state. */
  readonly radius: number;
  /**
   * An entity enters a view only once it is within `radius - hysteresis`, and leaves it beyond
   * `radius`: one moving along the edge does not flicker in and out (each entry costs a full
   * entity on the reliable channel). Default 0.
   */
  readonly hysteresis?: number;
  /**
   * Entities further than this (units) from a viewer are in the outer ring of its view: their
   * fast fields go to it every `farInterval` flushes instead of every flush. Default radius / 2.
   */
  readonly nearRadius?: number;
}

export interface InterestOptions {
  /** World size (units): sizes the spatial grid (positions outside it count in the edge cells). */
  readonly width: number;
  readonly height: number;
  /** Side of a grid cell (units). Default half the largest radius: a view query visits about 5 x 5 cells. */
  readonly cellSize?: number;
  /** Flushes between two updates of an outer-ring entity (1: every flush, no outer ring). Default 2. */
  readonly farInterval?: number;
  /** The state's filtered collections (`t.map(Entity).view()`) by field name. */
  readonly collections: Readonly<Record<string, CollectionInterest>>;
  /** The collection holding each client's own entity, keyed by session id; a client without one is a spectator. */
  readonly players?: string;
}

/** What one update changed, for metrics and tests. */
export interface InterestChanges {
  entered: number;
  left: number;
}

/** A keyed collection of the state, as the engine reads it (a MapSchema). */
interface Collection {
  get(key: string): object | undefined;
  forEach(cb: (entity: object, key: string) => void): void;
}

interface Kind {
  readonly name: string;
  readonly x: string;
  readonly y: string;
  readonly enter2: number;
  readonly leave2: number;
  readonly near2: number;
}

const NEAR = 1;
const FAR = 2;

const refIdOf = (e: object) => (e as Record<symbol, number>)[$refId]!;

class Viewer implements ClientInterest {
  /** Per grid slot: the ring a held entity is in (0: not held), and which entity that is. */
  ring = new Uint8Array(0);
  keys: Array<object | undefined> = [];
  /** The held entities' grid entries, its own entity first. */
  held: Array<GridEntry<object>> = [];
  /** Ref ids, for the flush (see ClientInterest). */
  near: number[] = [];
  far: number[] = [];
  /** The lists of the update before, refilled by the next one (no new arrays per update). */
  spare = { held: [] as Array<GridEntry<object>>, near: [] as number[], far: [] as number[] };
  refresh: number[] = [];
  /** Ref id of its own entity, -1 for a spectator. */
  self = -1;
  /** Its own entity's grid entry, as last found. */
  own: GridEntry<object> | undefined;
  /** Where a spectator looks from. */
  cameraX = 0;
  cameraY = 0;

  constructor(readonly view: StateView) {}

  fit(capacity: number): void {
    if (this.ring.length >= capacity) return;
    const ring = new Uint8Array(Math.max(capacity, this.ring.length * 2, 64));
    ring.set(this.ring);
    this.ring = ring;
    this.keys.length = ring.length;
  }
}

/**
 * Who sees what, over every filtered collection of a game's state. Each viewer (a client's
 * seat) has a Colyseus StateView; `update()` finds the entities around the viewer (its own
 * entity, or a spectator's camera) in one spatial grid and adds those that came into range to
 * its view and removes those that went out, so the client's state gains and loses them through
 * the normal reliable patch. Each collection has its own radius. A client always sees its own
 * entity.
 *
 * A viewer's entities are split into the inner part of its view (fast fields every flush) and
 * the outer ring (every `farInterval` flushes), which is most of the area: bandwidth goes where
 * the client is looking closely. An entity moving from the outer ring inwards gets its
 * catch-up in the next frame (`refresh`).
 *
 * Call `sync()` after each step (entities are re-placed in the grid, and those the game
 * removed are dropped from every view's frame lists), and `update()` right before a reliable
 * patch is encoded: an entity's fast fields go to a client only once the reliable patch that
 * introduces it has been written to that client.
 */
export class InterestManager {
  readonly #state: Record<string, unknown>;
  readonly #kinds: Kind[];
  readonly #players: string | undefined;
  readonly #maxRadius: number;
  readonly farInterval: number;
  readonly grid: SpatialGrid<object>;
  readonly #viewers = new Map<string, Viewer>();
  /** Cameras set before their client's viewer exists (a game's join hook runs first). */
  readonly #cameras = new Map<string, { x: number; y: number }>();
  /** Per grid slot: the entity's kind index, and the sync that last saw it. */
  #kindOf = new Uint8Array(64);
  #seen = new Uint32Array(64);
  #sync = 0;
  /** Scratch for update(): the next ring and entity of each slot, for the viewer at hand. */
  #nextRing = new Uint8Array(64);
  #nextKeys: Array<object | undefined> = [];
  readonly #around: Array<GridEntry<object>> = [];
  readonly #gone: Array<GridEntry<object>> = [];

  constructor(state: object, opts: InterestOptions) {
    this.#state = state as Record<string, unknown>;
    this.#kinds = Object.entries(opts.collections).map(([name, c]) => {
      if (!(c.radius > 0)) throw new Error(`interest radius of "${name}" must be positive, got ${c.radius}`);
      if (!isCollection(this.#state[name])) throw new Error(`the state has no collection "${name}"`);
      const enter = Math.max(0, c.radius - Math.max(0, c.hysteresis ?? 0));
      const near = Math.min(c.radius, c.nearRadius ?? c.radius / 2);
      return {
        name,
        x: c.position[0],
        y: c.position[1],
        enter2: enter * enter,
        leave2: c.radius * c.radius,
        near2: near * near,
      };
    });
    if (this.#kinds.length > 255) throw new Error("at most 255 collections take part in interest management");
    this.#players = opts.players;
    this.#maxRadius = Math.max(0, ...Object.values(opts.collections).map((c) => c.radius));
    this.farInterval = Math.max(1, Math.floor(opts.farInterval ?? 2));
    // With no outer ring, every held entity is near.
    if (this.farInterval === 1) for (const k of this.#kinds) (k as { near2: number }).near2 = k.leave2;
    this.grid = new SpatialGrid(opts.width, opts.height, opts.cellSize ?? Math.max(50, this.#maxRadius / 2));
  }

  /** The largest radius of any collection. */
  get radius(): number {
    return this.#maxRadius;
  }

  /** Re-places every entity of every collection after a step; entities gone from the state leave the grid. */
  sync(): void {
    const sync = ++this.#sync;
    let placed = 0;
    for (let k = 0; k < this.#kinds.length; k++) {
      const kind = this.#kinds[k]!;
      (this.#state[kind.name] as Collection).forEach((e) => {
        const entry = this.#place(e, kind, k);
        this.#seen[entry.slot] = sync;
        placed++;
      });
    }
    // Every entry of the grid was just placed: none is gone (the usual tick), no walk needed.
    if (placed === this.grid.size) return;
    const gone = this.#gone;
    gone.length = 0;
    this.grid.forEach((entry) => {
      if (this.#seen[entry.slot] !== sync) gone.push(entry);
    });
    for (const entry of gone) this.#forget(entry);
  }

  #place(e: object, kind: Kind, k: number): GridEntry<object> {
    const pos = e as Record<string, number>;
    const entry = this.grid.place(e, pos[kind.x]!, pos[kind.y]!);
    if (entry.slot >= this.#kindOf.length) {
      const size = Math.max(entry.slot + 1, this.#kindOf.length * 2);
      const kinds = new Uint8Array(size);
      kinds.set(this.#kindOf);
      this.#kindOf = kinds;
      const seen = new Uint32Array(size);
      seen.set(this.#seen);
      this.#seen = seen;
    }
    this.#kindOf[entry.slot] = k;
    return entry;
  }

  /**
   * An entity left the state: out of the grid, and out of every frame list at once (its removal
   * reaches the clients that held it with the next reliable patch; no fast field of it may be
   * sent meanwhile).
   */
  #forget(entry: GridEntry<object>): void {
    this.grid.remove(entry.key);
    const ref = refIdOf(entry.key);
    for (const viewer of this.#viewers.values()) {
      if (viewer.keys[entry.slot] !== entry.key) continue;
      viewer.ring[entry.slot] = 0;
      viewer.keys[entry.slot] = undefined;
      viewer.held = viewer.held.filter((e) => e !== entry);
      viewer.near = viewer.near.filter((r) => r !== ref);
      viewer.far = viewer.far.filter((r) => r !== ref);
      viewer.refresh = viewer.refresh.filter((r) => r !== ref);
      if (viewer.self === ref) viewer.self = -1;
    }
  }

  #own(id: string): object | undefined {
    return this.#players === undefined ? undefined : (this.#state[this.#players] as Collection).get(id);
  }

  /** Starts tracking what `id`'s client sees; its own entity (if any) is visible at once. */
  addViewer(id: string, view: StateView): void {
    const viewer = new Viewer(view);
    this.#viewers.set(id, viewer);
    const camera = this.#cameras.get(id);
    if (camera) {
      viewer.cameraX = camera.x;
      viewer.cameraY = camera.y;
      this.#cameras.delete(id);
    }
    const own = this.#own(id);
    if (!own) return;
    const k = this.#kinds.findIndex((kind) => kind.name === this.#players);
    const entry = k >= 0 ? this.#place(own, this.#kinds[k]!, k) : undefined;
    view.add(own as Ref);
    viewer.self = refIdOf(own);
    if (!entry) return;
    this.#seen[entry.slot] = this.#sync;
    viewer.fit(entry.slot + 1);
    viewer.ring[entry.slot] = NEAR;
    viewer.keys[entry.slot] = own;
    viewer.held = [entry];
    viewer.near = [viewer.self];
  }

  /** A client left: stops tracking its view (its entities leave the state through the game). */
  removeViewer(id: string): void {
    this.#viewers.delete(id);
    this.#cameras.delete(id);
  }

  /** Where a client without an own entity (a spectator) looks from. */
  setCamera(id: string, x: number, y: number): void {
    const viewer = this.#viewers.get(id);
    if (!viewer) {
      this.#cameras.set(id, { x, y });
      return;
    }
    viewer.cameraX = x;
    viewer.cameraY = y;
  }

  /** Re-derives every view from the entities' current positions. */
  update(): InterestChanges {
    const grid = this.grid;
    const changes: InterestChanges = { entered: 0, left: 0 };
    const capacity = grid.slotCapacity;
    if (this.#nextRing.length < capacity) {
      this.#nextRing = new Uint8Array(Math.max(capacity, this.#nextRing.length * 2));
      this.#nextKeys.length = this.#nextRing.length;
    }
    const nextRing = this.#nextRing;
    const nextKeys = this.#nextKeys;
    const around = this.#around;
    for (const [id, viewer] of this.#viewers) {
      viewer.fit(capacity);
      const { ring, keys, view } = viewer;
      // Written in place over the lists of the update before (cutting a list to 0 would drop its
      // storage, and the next pushes allocate it again); each is cut to its count at the end.
      const { held, near, far } = viewer.spare;
      let nHeld = 0;
      let nNear = 0;
      let nFar = 0;
      const own = this.#ownEntry(id, viewer);
      let x = viewer.cameraX;
      let y = viewer.cameraY;
      viewer.self = -1;
      if (own) {
        if (keys[own.slot] !== own.key) {
          // A new own entity (a respawn as a new object): visible at once.
          view.add(own.key as Ref);
          changes.entered++;
        }
        viewer.self = refIdOf(own.key);
        held[nHeld++] = own;
        near[nNear++] = viewer.self;
        nextRing[own.slot] = NEAR;
        nextKeys[own.slot] = own.key;
        x = own.x;
        y = own.y;
        // Where it looked from, should its entity go away for a while (a death and a respawn).
        viewer.cameraX = x;
        viewer.cameraY = y;
      }
      const found = grid.collectNear(x, y, this.#maxRadius, around);
      for (let i = 0; i < found; i++) {
        const e = around[i]!;
        if (e === own) continue;
        const kind = this.#kinds[this.#kindOf[e.slot]!]!;
        const dx = e.x - x;
        const dy = e.y - y;
        const d2 = dx * dx + dy * dy;
        // A slot can change hands when an entity leaves and another comes: match the entity too.
        const was = keys[e.slot] === e.key ? ring[e.slot]! : 0;
        // (A position that is not a number is never in range.)
        if (!(d2 <= (was === 0 ? kind.enter2 : kind.leave2))) continue;
        const r = d2 > kind.near2 ? FAR : NEAR;
        nextRing[e.slot] = r;
        nextKeys[e.slot] = e.key;
        held[nHeld++] = e;
        if (r === NEAR) near[nNear++] = refIdOf(e.key);
        else far[nFar++] = refIdOf(e.key);
        if (was === 0) {
          view.add(e.key as Ref);
          changes.entered++;
        } else if (was === FAR && r === NEAR) {
          viewer.refresh.push(refIdOf(e.key));
        }
      }
      for (const e of viewer.held) {
        ring[e.slot] = 0;
        keys[e.slot] = undefined;
        if (nextKeys[e.slot] === e.key) continue;
        // Out of range; one the game removed is gone from the state and every view already.
        if (grid.entryOf(e.key) === e) view.remove(e.key as Ref);
        changes.left++;
      }
      held.length = nHeld;
      near.length = nNear;
      far.length = nFar;
      for (const e of held) {
        ring[e.slot] = nextRing[e.slot]!;
        keys[e.slot] = e.key;
        nextRing[e.slot] = 0;
        nextKeys[e.slot] = undefined;
      }
      const spare = viewer.spare;
      spare.held = viewer.held;
      spare.near = viewer.near;
      spare.far = viewer.far;
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

  /** How many entities `id`'s client holds, its own included. */
  heldBy(id: string): number {
    return this.#viewers.get(id)?.held.length ?? 0;
  }

  /** Where `id`'s client looks from: its own entity, or its camera. Undefined for an unknown client. */
  centerOf(id: string): { x: number; y: number } | undefined {
    const viewer = this.#viewers.get(id);
    if (!viewer) return undefined;
    const entry = this.#ownEntry(id, viewer);
    return entry ? { x: entry.x, y: entry.y } : { x: viewer.cameraX, y: viewer.cameraY };
  }

  /** The viewer's own entity's grid entry (looked up again only when it left the grid). */
  #ownEntry(id: string, viewer: Viewer): GridEntry<object> | undefined {
    let own = viewer.own;
    if (!own || this.grid.entryOf(own.key) !== own) {
      const key = this.#own(id);
      own = key && this.grid.entryOf(key);
      viewer.own = own;
    }
    return own;
  }

  /**
   * True when the segment from (x0, y0) to (x1, y1) passes within `radius` (default the largest
   * collection radius) of where `id`'s client looks from: something there is something it sees.
   */
  seesSegment(id: string, x0: number, y0: number, x1: number, y1: number, radius = this.#maxRadius): boolean {
    const viewer = this.#viewers.get(id);
    if (!viewer) return false;
    const own = this.#ownEntry(id, viewer);
    const cx = own ? own.x : viewer.cameraX;
    const cy = own ? own.y : viewer.cameraY;
    const dx = x1 - x0;
    const dy = y1 - y0;
    const len2 = dx * dx + dy * dy;
    const t = len2 > 0 ? Math.min(1, Math.max(0, ((cx - x0) * dx + (cy - y0) * dy) / len2)) : 0;
    const px = x0 + dx * t - cx;
    const py = y0 + dy * t - cy;
    return px * px + py * py <= radius * radius;
  }
}

function isCollection(v: unknown): v is Collection {
  return typeof v === "object" && v !== null && typeof (v as Collection).forEach === "function";
}
