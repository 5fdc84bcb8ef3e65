import { SIM, type ArenaState, type Bounds, type MoveIntent, type Player } from "@tickwire/shared/wire";
import { ServerClock } from "./clock.ts";
import { SnapshotBuffer, type Pose } from "./interpolation.ts";
import { Predictor, type PredictedPose } from "./prediction.ts";

export interface NetcodeOptions {
  /**
   * How far in the past other players are drawn, in ms. Default: three server ticks
   * (100 ms at 30 Hz), so one or two late or skipped frames still leave a sample to
   * interpolate towards.
   */
  interpolationDelayMs?: number;
  /** Past the newest sample, other players are extrapolated for at most this long, then held. Default: two server ticks. */
  maxExtrapolationMs?: number;
  /** Time constant of the local player's correction smoothing, in ms. Default 100. */
  smoothingMs?: number;
  /** A correction or a jump longer than this (units) is applied at once (a respawn). Default 200. */
  teleportDistance?: number;
}

/** One player as the game should draw it now. */
export interface RenderedPlayer {
  id: string;
  /** The replicated player (name, health, score, alive...). */
  player: Player;
  /** Where to draw it: predicted for the local player, interpolated for the others. */
  x: number;
  y: number;
  aim: number;
  self: boolean;
  /** The pose is past the newest sample (the frame is late). */
  extrapolated: boolean;
}

/** Tick rate assumed before the state says (servers predating `tickRate`). */
const DEFAULT_TICK_HZ = 30;
/** Below this speed (units/s) a sample counts as standing still. */
const STILL_SPEED = 1;

/**
 * The client's picture of the arena over time: the server clock, the local player's
 * prediction, and a snapshot buffer per other player. Fed by the connection with each
 * applied state and each input; asked by the game, each frame, where to draw everyone.
 */
export class Netcode {
  readonly #selfId: string;
  readonly #opts: NetcodeOptions;
  #clock: ServerClock | undefined;
  #predictor: Predictor | undefined;
  readonly #bounds: Bounds = { width: SIM.WORLD_WIDTH, height: SIM.WORLD_HEIGHT };
  readonly #buffers = new Map<string, SnapshotBuffer>();
  readonly #rendered = new Map<string, RenderedPlayer>();
  readonly #list: RenderedPlayer[] = [];
  readonly #pose: Pose = { x: 0, y: 0, aim: 0, extrapolated: false };
  readonly #selfPose: PredictedPose = { x: 0, y: 0, aim: 0 };
  #lastTick = -1;
  #selfAlive = true;
  #delayTicks = 3;
  /** State frames that advanced the tick. */
  updates = 0;

  constructor(selfId: string, opts: NetcodeOptions = {}) {
    this.#selfId = selfId;
    this.#opts = opts;
  }

  /** The server clock (undefined until the first state). */
  get clock(): ServerClock | undefined {
    return this.#clock;
  }
  /** The local player's predictor (undefined until the first state). */
  get predictor(): Predictor | undefined {
    return this.#predictor;
  }
  /** Interpolation delay in use, in ms. */
  get interpolationDelayMs(): number {
    return this.#delayTicks * (this.#clock?.tickMs ?? 1000 / DEFAULT_TICK_HZ);
  }

  /** An applied state (reliable or unreliable) at local time `now`. */
  onState(state: ArenaState, now: number): void {
    if (!this.#clock) this.#start(state.tickRate || DEFAULT_TICK_HZ);
    this.#bounds.width = state.width || SIM.WORLD_WIDTH;
    this.#bounds.height = state.height || SIM.WORLD_HEIGHT;
    const tick = state.tick;
    const fresh = tick > this.#lastTick;
    if (fresh) {
      this.#lastTick = tick;
      this.updates++;
      this.#clock!.observe(tick, now);
    }
    const self = state.players?.get(this.#selfId);
    if (self && (fresh || self.alive !== this.#selfAlive || !this.#predictor!.ready)) {
      this.#selfAlive = self.alive;
      this.#predictor!.reconcile(self, self.lastProcessedInputSeq, self.alive, now);
    }
    if (!fresh) return;
    state.players?.forEach((p, id) => {
      if (id === this.#selfId) return;
      let buf = this.#buffers.get(id);
      if (!buf) {
        buf = this.#newBuffer();
        this.#buffers.set(id, buf);
      }
      this.#sample(buf, p, tick);
    });
  }

  /** An input sent with sequence number `seq`: the local player moves at once. */
  onInput(seq: number, intent: MoveIntent): void {
    this.#predictor?.applyInput(seq, intent);
  }

  /** A player left this client's state. */
  forget(id: string): void {
    this.#buffers.delete(id);
    this.#rendered.delete(id);
  }

  /** A new connection to the same seat: the next state is taken as is, everything else starts over. */
  restart(): void {
    this.#clock?.reset();
    this.#lastTick = -1;
    this.#buffers.clear();
    this.#rendered.clear();
    this.#predictor?.invalidate();
  }

  /** The server tick other players are drawn at (fractional; NaN before the first state). */
  renderTick(now: number): number {
    return (this.#clock?.arrivalTick(now) ?? NaN) - this.#delayTicks;
  }

  /** Every player in the state, where to draw it at local time `now`. The array and its objects are reused between calls. */
  entities(state: ArenaState | undefined, now: number): readonly RenderedPlayer[] {
    this.#list.length = 0;
    if (!state?.players || !this.#clock) return this.#list;
    const at = this.renderTick(now);
    state.players.forEach((player, id) => {
      let r = this.#rendered.get(id);
      if (!r) {
        r = { id, player, x: player.x, y: player.y, aim: player.aim, self: id === this.#selfId, extrapolated: false };
        this.#rendered.set(id, r);
      }
      r.player = player;
      if (r.self) {
        const pose = this.#predictor?.ready ? this.#predictor.render(now, this.#selfPose) : player;
        r.x = pose.x;
        r.y = pose.y;
        r.aim = pose.aim;
      } else if (this.#buffers.get(id)?.sample(at, this.#pose)) {
        r.x = this.#pose.x;
        r.y = this.#pose.y;
        r.aim = this.#pose.aim;
        r.extrapolated = this.#pose.extrapolated;
      }
      this.#list.push(r);
    });
    return this.#list;
  }

  #start(tickHz: number): void {
    const clock = new ServerClock(tickHz);
    this.#clock = clock;
    this.#delayTicks =
      this.#opts.interpolationDelayMs !== undefined ? this.#opts.interpolationDelayMs / clock.tickMs : 3;
    this.#predictor = this.#newPredictor();
  }

  #newPredictor(): Predictor {
    return new Predictor({
      dt: this.#clock!.tickMs / 1000,
      bounds: this.#bounds,
      teleportDistance: this.#opts.teleportDistance ?? 200,
      ...(this.#opts.smoothingMs !== undefined && { smoothingMs: this.#opts.smoothingMs }),
    });
  }

  #newBuffer(): SnapshotBuffer {
    const tickMs = this.#clock!.tickMs;
    return new SnapshotBuffer({
      tickSeconds: tickMs / 1000,
      maxExtrapolationTicks: (this.#opts.maxExtrapolationMs ?? 2 * tickMs) / tickMs,
      teleportDistance: this.#opts.teleportDistance ?? 200,
    });
  }

  // A sample is taken when the player's fields changed: players updated every other frame (the
  // server's outer ring) then interpolate over their own sample times, not over stale copies.
  #sample(buf: SnapshotBuffer, p: Player, tick: number): void {
    const last = buf.newestTick;
    if (buf.size > 0 && !changed(buf, p)) return;
    // It stood still until now: hold it there until the tick before, or it would seem to
    // creep over the whole gap.
    if (buf.size > 0 && tick - last > 1 && Math.hypot(buf.lastVx, buf.lastVy) < STILL_SPEED) {
      buf.push(tick - 1, buf.lastX, buf.lastY, 0, 0, buf.lastAim);
    }
    buf.push(tick, p.x, p.y, p.vx, p.vy, p.aim);
  }
}

function changed(buf: SnapshotBuffer, p: Player): boolean {
  return p.x !== buf.lastX || p.y !== buf.lastY || p.vx !== buf.lastVx || p.vy !== buf.lastVy || p.aim !== buf.lastAim;
}
