import type { EngineState } from "@tickwire/shared";
import type { AnyClientGame, NumericKey } from "../game.ts";
import { layoutOf, type CollectionLayout, type GameLayout } from "../layout.ts";
import { ServerClock } from "./clock.ts";
import { SnapshotBuffer, type Pose } from "./interpolation.ts";
import { Predictor, type BodyFields } from "./prediction.ts";

export interface NetcodeOptions {
  /**
   * How far in the past other entities are drawn, in ms. Default: three server ticks
   * (100 ms at 30 Hz), so one or two late or skipped frames still leave a sample to
   * interpolate towards.
   */
  interpolationDelayMs?: number;
  /** Past the newest sample, other entities are extrapolated for at most this long, then held. Default: two server ticks. */
  maxExtrapolationMs?: number;
  /** Time constant of the own entity's correction smoothing, in ms. Default 100. */
  smoothingMs?: number;
  /** A correction or a jump longer than this (units) is applied at once (a respawn). Default 200. */
  teleportDistance?: number;
}

/** The engine's fields of a rendered entity (an entity's own numeric fields of these names are not copied). */
export interface RenderedBase<E> {
  /** The entity's key in its collection (a session id for a client's own). */
  id: string;
  /** The replicated entity, as last received. */
  entity: E;
  /** True for this client's own entity (key = sessionId). */
  self: boolean;
  /** The interpolated fields are past the newest sample (the frame is late). */
  extrapolated: boolean;
}

/**
 * One entity as the game should draw it now: its numeric fields by name, predicted for the own
 * entity, interpolated for the others (the fields the game interpolates; the rest at their
 * newest value).
 */
export type Rendered<E> = RenderedBase<E> & { [K in Exclude<NumericKey<E>, keyof RenderedBase<E>>]: number };

type Entity = Record<string, unknown>;
type Collection = { forEach(fn: (entity: Entity, key: string) => void): void; get(key: string): Entity | undefined };
type Row = RenderedBase<Entity> & Record<string, unknown>;

/** The netcode's defaults, each with its reason. */
export const NETCODE_DEFAULTS = {
  /** Tick rate assumed before the state says. */
  TICK_HZ: 30,
  /** Interpolation delay in ticks: one or two late or skipped frames still leave a sample to move towards. */
  DELAY_TICKS: 3,
  /** A correction or a jump longer than this (units) is applied at once (a respawn). */
  TELEPORT_DISTANCE: 200,
} as const;
/** Below this speed (units/s) a sample counts as standing still. */
const STILL_SPEED = 1;

/**
 * The client's picture of the game over time: the server clock, the own entity's prediction
 * (with the game's step), and a snapshot buffer per other entity of each interpolated
 * collection. Fed by the connection with each applied state and each input; asked by the game,
 * each frame, where to draw everything.
 *
 * @example
 * ```ts
 * const net = new Netcode(room.sessionId, myGame);
 * room.onStateChange((state) => net.onState(state, performance.now()));
 * for (const e of net.entities(room.state, "dots", performance.now())) draw(e.x, e.y);
 * ```
 */
export class Netcode<S extends EngineState = EngineState> {
  readonly #selfId: string;
  readonly #game: AnyClientGame;
  readonly #layout: GameLayout;
  readonly #opts: NetcodeOptions;
  #clock: ServerClock | undefined;
  #predictor: Predictor<BodyFields, unknown> | undefined;
  #state: S | undefined;
  /** Per collection: entity key → its buffer, and its reused rendered row. */
  readonly #buffers = new Map<string, Map<string, SnapshotBuffer>>();
  readonly #rows = new Map<string, Map<string, Row>>();
  readonly #list: Row[] = [];
  #pose: Pose = { values: [], extrapolated: false };
  #row: number[] = [];
  #predicted: BodyFields = {};
  #lastTick = -1;
  #selfActive = true;
  #delayTicks: number = NETCODE_DEFAULTS.DELAY_TICKS;
  /** State frames that advanced the tick. */
  updates = 0;

  constructor(selfId: string, game: AnyClientGame, opts: NetcodeOptions = {}) {
    this.#selfId = selfId;
    this.#game = game;
    this.#layout = layoutOf(game);
    this.#opts = opts;
  }

  /** The server clock (undefined until the first state). */
  get clock(): ServerClock | undefined {
    return this.#clock;
  }
  /** The own entity's predictor (undefined without prediction, or until the first state). */
  get predictor(): Predictor<BodyFields, unknown> | undefined {
    return this.#predictor;
  }
  /** Interpolation delay in use, in ms. */
  get interpolationDelayMs(): number {
    return this.#delayTicks * (this.#clock?.tickMs ?? 1000 / NETCODE_DEFAULTS.TICK_HZ);
  }

  /** An applied state (reliable or unreliable) at local time `now`. */
  onState(state: S, now: number): void {
    this.#state = state;
    if (!this.#clock) this.#start(state.tickRate || NETCODE_DEFAULTS.TICK_HZ);
    const tick = state.tick;
    const fresh = tick > this.#lastTick;
    if (fresh) {
      this.#lastTick = tick;
      this.updates++;
      this.#clock!.observe(tick, now);
    }
    this.#reconcile(fresh, now);
    if (!fresh) return;
    for (const [name, c] of this.#layout.collections) {
      if (!c.interpolated) continue;
      const predicted = name === this.#layout.predict?.collection;
      let buffers = this.#buffers.get(name);
      if (!buffers) {
        buffers = new Map();
        this.#buffers.set(name, buffers);
      }
      this.#collection(state, name)?.forEach((e, id) => {
        if (predicted && id === this.#selfId) return;
        let buf = buffers.get(id);
        if (!buf) {
          buf = this.#newBuffer(c);
          buffers.set(id, buf);
        }
        this.#sample(buf, c, e, tick);
      });
    }
  }

  /** An input sent with sequence number `seq` (sanitized, as the server will step it): the own entity moves at once. */
  onInput(seq: number, input: unknown): void {
    this.#predictor?.applyInput(seq, input);
  }

  /** An entity left this client's state. */
  forget(collection: string, id: string): void {
    this.#buffers.get(collection)?.delete(id);
    this.#rows.get(collection)?.delete(id);
  }

  /** A new connection to the same seat: the next state is taken as is, everything else starts over. */
  restart(): void {
    this.#clock?.reset();
    this.#lastTick = -1;
    this.#buffers.clear();
    this.#rows.clear();
    this.#predictor?.invalidate();
  }

  /** The server tick other entities are drawn at (fractional; NaN before the first state). */
  renderTick(now: number): number {
    return (this.#clock?.arrivalTick(now) ?? NaN) - this.#delayTicks;
  }

  /**
   * Every entity of `collection` in the state, where to draw it at local time `now`. The array
   * and its objects are reused between calls.
   */
  entities(state: S | undefined, collection: string, now: number): readonly Row[] {
    this.#list.length = 0;
    const c = this.#layout.collections.get(collection);
    if (!c) throw new Error(`${this.#game.state.name} has no collection "${collection}"`);
    const entities = state && this.#collection(state, collection);
    if (!entities || !this.#clock) return this.#list;
    const at = this.renderTick(now);
    let rows = this.#rows.get(collection);
    if (!rows) {
      rows = new Map();
      this.#rows.set(collection, rows);
    }
    const predicted = collection === this.#layout.predict?.collection;
    const buffers = this.#buffers.get(collection);
    entities.forEach((entity, id) => {
      let r = rows.get(id);
      if (!r) {
        r = { id, entity, self: id === this.#selfId, extrapolated: false };
        rows.set(id, r);
      }
      r.entity = entity;
      for (const f of c.copied) r[f] = entity[f];
      if (predicted && r.self) {
        if (this.#predictor?.ready) Object.assign(r, this.#predictor.render(now, this.#predicted));
      } else if (c.interpolated && buffers?.get(id)?.sample(at, this.#pose)) {
        const fields = c.interpolated.fields;
        for (let i = 0; i < fields.length; i++) r[fields[i]!] = this.#pose.values[i];
        r.extrapolated = this.#pose.extrapolated;
      }
      this.#list.push(r);
    });
    return this.#list;
  }

  /** This client's own entity in `state` (undefined without prediction, or while it is gone). */
  self(state: S | undefined): Entity | undefined {
    const p = this.#layout.predict;
    return p && state ? this.#collection(state, p.collection)?.get(this.#selfId) : undefined;
  }

  #collection(state: S, name: string): Collection | undefined {
    return (state as unknown as Record<string, Collection | undefined>)[name];
  }

  // The own entity is reconciled on every new tick, when it turns active or inactive, and
  // when prediction (re)starts.
  #reconcile(fresh: boolean, now: number): void {
    const p = this.#layout.predict;
    const spec = this.#game.predict;
    const predictor = this.#predictor;
    if (!p || !spec || !predictor) return;
    const self = this.self(this.#state);
    // No own entity (the game removed it): nothing to predict until it is back, when the
    // next state starts the prediction over from it.
    if (!self) {
      if (predictor.ready) predictor.invalidate();
      return;
    }
    const active = spec.active ? spec.active(self) : true;
    if (fresh || active !== this.#selfActive || !predictor.ready) {
      this.#selfActive = active;
      predictor.reconcile(self as unknown as BodyFields, self[p.ackField] as number, active, now);
    }
  }

  #start(tickHz: number): void {
    const clock = new ServerClock(tickHz);
    this.#clock = clock;
    this.#delayTicks =
      this.#opts.interpolationDelayMs !== undefined
        ? this.#opts.interpolationDelayMs / clock.tickMs
        : NETCODE_DEFAULTS.DELAY_TICKS;
    const spec = this.#game.predict;
    if (!spec) return;
    this.#predictor = new Predictor<BodyFields, unknown>({
      fields: spec.fields,
      position: spec.position,
      step: (body, input, dt) => spec.step(body, input, dt, this.#state),
      dt: clock.tickMs / 1000,
      teleportDistance: this.#opts.teleportDistance ?? NETCODE_DEFAULTS.TELEPORT_DISTANCE,
      ...(this.#opts.smoothingMs !== undefined && { smoothingMs: this.#opts.smoothingMs }),
    });
  }

  #newBuffer(c: CollectionLayout): SnapshotBuffer {
    const tickMs = this.#clock!.tickMs;
    return new SnapshotBuffer({
      ...c.interpolated!.layout,
      tickSeconds: tickMs / 1000,
      maxExtrapolationTicks: (this.#opts.maxExtrapolationMs ?? 2 * tickMs) / tickMs,
      teleportDistance: this.#opts.teleportDistance ?? NETCODE_DEFAULTS.TELEPORT_DISTANCE,
    });
  }

  // A sample is taken when the entity's fields changed: entities updated every other frame
  // (the server's outer ring) then interpolate over their own sample times, not over stale copies.
  #sample(buf: SnapshotBuffer, c: CollectionLayout, e: Entity, tick: number): void {
    const { fields, layout } = c.interpolated!;
    const row = this.#row;
    for (let i = 0; i < fields.length; i++) row[i] = e[fields[i]!] as number;
    row.length = fields.length;
    const last = buf.newestTick;
    if (buf.size > 0 && sameAsLast(buf, row)) return;
    // It stood still until now: hold it there until the tick before, or it would seem to
    // creep over the whole gap. (Without a velocity, whether it stood still is unknown.)
    const v = layout.velocity;
    if (v && buf.size > 0 && tick - last > 1 && Math.hypot(buf.last(v[0]), buf.last(v[1])) < STILL_SPEED) {
      const held = fields.map((_, i) => buf.last(i));
      held[v[0]] = 0;
      held[v[1]] = 0;
      buf.push(tick - 1, held);
    }
    buf.push(tick, row);
  }
}

/** True when `row` holds the buffer's newest sample, column for column. */
function sameAsLast(buf: SnapshotBuffer, row: readonly number[]): boolean {
  for (let i = 0; i < row.length; i++) if (row[i] !== buf.last(i)) return false;
  return true;
}
