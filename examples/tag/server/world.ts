import { createRng, type Rng } from "@tickwire/shared";
import {
  Ball,
  type Camera,
  cameraStart,
  panCamera,
  Runner,
  stepBall,
  stepRunner,
  TAG,
  type Stick,
  type TagState,
  touching,
} from "../shared/index.ts";

export interface TagWorldOptions {
  /** Seconds per step. */
  dt: number;
  /** Seed of spawn points and balls, so a test can replay a game exactly. */
  seed?: number;
  /** Balls on the field (default TAG.BALL_COUNT). */
  balls?: number;
  /** Where a spectator looks from (the engine's `ctx.setCamera`). */
  setCamera?(id: string, x: number, y: number): void;
}

const STILL: Readonly<Stick> = Object.freeze({ moveX: 0, moveY: 0 });

/**
 * Tag on ice, free of sockets: whoever is "it" chases the others; touching one passes "it" on
 * (the one who passed it cannot be tagged straight back). Balls bounce around on their own and
 * freeze whoever they hit for a second. Every second not spent as "it" scores a point.
 * Spectators own no runner: their stick pans a camera.
 */
export class TagWorld {
  readonly state: TagState;
  readonly #dt: number;
  readonly #rng: Rng;
  readonly #setCamera: (id: string, x: number, y: number) => void;
  /** The last stick of each runner, held on ticks where no input arrived. */
  readonly #lastStick = new Map<string, Stick>();
  readonly #frozenUntil = new Map<string, number>();
  /** Tick until which a runner cannot be tagged (it just passed "it" on). */
  readonly #immuneUntil = new Map<string, number>();
  readonly #cameras = new Map<string, Camera>();

  constructor(state: TagState, opts: TagWorldOptions) {
    this.state = state;
    this.#dt = opts.dt;
    this.#rng = createRng(opts.seed ?? 1);
    this.#setCamera = opts.setCamera ?? (() => {});
    const count = opts.balls ?? TAG.BALL_COUNT;
    for (let i = 0; i < count; i++) {
      const angle = this.#rng.range(0, Math.PI * 2);
      const ball = new Ball();
      ball.x = this.#rng.range(TAG.BALL_RADIUS, TAG.WORLD_SIZE - TAG.BALL_RADIUS);
      ball.y = this.#rng.range(TAG.BALL_RADIUS, TAG.WORLD_SIZE - TAG.BALL_RADIUS);
      ball.vx = Math.cos(angle) * TAG.BALL_SPEED;
      ball.vy = Math.sin(angle) * TAG.BALL_SPEED;
      this.state.balls.set(`b${i}`, ball);
    }
  }

  #ticks(seconds: number): number {
    return Math.round(seconds / this.#dt);
  }

  /** A player joins the chase; the first one in is "it". */
  addRunner(id: string, name: string): Runner {
    const r = new Runner();
    r.name = name;
    const margin = TAG.RUNNER_RADIUS * 4;
    r.x = this.#rng.range(margin, TAG.WORLD_SIZE - margin);
    r.y = this.#rng.range(margin, TAG.WORLD_SIZE - margin);
    this.state.runners.set(id, r);
    if (!this.state.itId) this.#makeIt(id);
    return r;
  }

  /** A spectator joins: no runner, a camera over the middle of the field. */
  addSpectator(id: string): void {
    const c = cameraStart();
    this.#cameras.set(id, c);
    this.#setCamera(id, c.x, c.y);
  }

  remove(id: string): void {
    this.#cameras.delete(id);
    this.#lastStick.delete(id);
    this.#frozenUntil.delete(id);
    this.#immuneUntil.delete(id);
    this.state.runners.delete(id);
    if (this.state.itId !== id) return;
    this.state.itId = "";
    this.state.itName = "";
    // Someone else is "it" now: the first runner left, if any.
    const next = this.state.runners.keys().next();
    if (!next.done) this.#makeIt(next.value);
  }

  /** A dropped runner stops pushing (its seat is held; it must not glide into a wall meanwhile). */
  setConnected(id: string, connected: boolean): void {
    if (!connected) this.#lastStick.delete(id);
  }

  /** One step. `inputFor(id)` is the player's stick this tick, or undefined when none arrived. */
  step(inputFor: (id: string) => Stick | undefined): void {
    const tick = this.state.tick;
    this.state.runners.forEach((r, id) => {
      const input = inputFor(id);
      if (input) this.#lastStick.set(id, input);
      if (r.frozen && tick >= (this.#frozenUntil.get(id) ?? 0)) r.frozen = false;
      if (!r.frozen) stepRunner(r, input ?? this.#lastStick.get(id) ?? STILL, this.#dt);
    });
    for (const [id, camera] of this.#cameras) this.#pan(id, camera, inputFor(id));
    this.state.balls.forEach((ball) => {
      stepBall(ball, this.#dt);
      this.#hitRunners(ball, tick);
    });
    this.#tag(tick);
    // A point a second for everyone who is not "it".
    if (tick % this.#ticks(1) === 0) {
      this.state.runners.forEach((r) => {
        if (!r.it) r.score += 1;
      });
    }
  }

  #pan(id: string, camera: Camera, stick: Stick | undefined): void {
    if (!stick) return;
    panCamera(camera, stick, this.#dt);
    this.#setCamera(id, camera.x, camera.y);
  }

  /** A ball that touches a runner freezes it and bounces away from it. */
  #hitRunners(ball: Ball, tick: number): void {
    const reach = TAG.RUNNER_RADIUS + TAG.BALL_RADIUS;
    this.state.runners.forEach((r, id) => {
      if (r.frozen || !touching(ball.x, ball.y, r.x, r.y, reach)) return;
      r.frozen = true;
      r.vx = 0;
      r.vy = 0;
      this.#frozenUntil.set(id, tick + this.#ticks(TAG.FREEZE_S));
      const away = Math.atan2(ball.y - r.y, ball.x - r.x);
      const speed = Math.hypot(ball.vx, ball.vy);
      ball.vx = Math.cos(away) * speed;
      ball.vy = Math.sin(away) * speed;
    });
  }

  /** "It" touching a runner that is not immune passes "it" on. */
  #tag(tick: number): void {
    const itId = this.state.itId;
    const it = this.state.runners.get(itId);
    if (!it || it.frozen) return;
    const reach = TAG.RUNNER_RADIUS * 2;
    for (const [id, r] of this.state.runners) {
      if (id === itId || tick < (this.#immuneUntil.get(id) ?? 0)) continue;
      if (!touching(it.x, it.y, r.x, r.y, reach)) continue;
      it.it = false;
      it.maxSpeed = TAG.MAX_SPEED;
      this.#immuneUntil.set(itId, tick + this.#ticks(TAG.TAG_IMMUNITY_S));
      this.#makeIt(id);
      return;
    }
  }

  #makeIt(id: string): void {
    const r = this.state.runners.get(id);
    if (!r) return;
    r.it = true;
    r.maxSpeed = TAG.IT_SPEED;
    this.state.itId = id;
    this.state.itName = r.name;
  }
}
