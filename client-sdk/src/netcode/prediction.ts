import { stepBody, type Body, type Bounds, type MoveIntent } from "@tickwire/shared/wire";

export interface PredictorOptions {
  /** Seconds per server tick: each input is one step of this length, as on the server. */
  dt: number;
  /** The walls (read at every step, so a world resized by the server is followed). */
  bounds: Bounds;
  /** Time constant of the correction smoothing, in ms: a correction is 63% gone after this long. Default 100. */
  smoothingMs?: number;
  /** A correction longer than this (units) is a teleport (a respawn, a long stall): applied at once, not smoothed. */
  teleportDistance: number;
  /** Corrections shorter than this (units) are rounding (positions travel quantized) and are not counted. Default 0.5. */
  correctionEpsilon?: number;
  /** Inputs kept while unacknowledged; the oldest is dropped past this. Default 128 (about 4 s at 30 Hz). */
  maxPending?: number;
}

interface PendingInput extends MoveIntent {
  seq: number;
}

/** Where to draw the local player. */
export interface PredictedPose {
  x: number;
  y: number;
  aim: number;
}

/**
 * Client-side prediction of the local player, reconciled with the server. Each input is
 * applied at once with the same pure step the server runs (`stepBody`), and kept until the
 * server acknowledges it. When a state arrives that includes input N, the prediction is
 * re-based on the server's body and the inputs after N are replayed on top. A difference
 * between the old and the new prediction is not snapped to: it becomes a visual offset that
 * decays exponentially (unless it is past the teleport distance).
 */
export class Predictor {
  /** The predicted body: the server's newest body with the unacknowledged inputs replayed. */
  readonly body: Body = { x: 0, y: 0, vx: 0, vy: 0, aim: 0 };
  readonly #opts: Required<PredictorOptions>;
  #pending: PendingInput[] = [];
  #ready = false;
  #alive = true;
  #offsetX = 0;
  #offsetY = 0;
  #offsetAt = 0;
  /** Corrections counted (past the epsilon, short of a teleport), their summed length, and snaps. */
  corrections = 0;
  correctionDistance = 0;
  snaps = 0;
  /** Inputs dropped because too many were unacknowledged. */
  overflowed = 0;

  constructor(opts: PredictorOptions) {
    this.#opts = { smoothingMs: 100, correctionEpsilon: 0.5, maxPending: 128, ...opts };
  }

  /** True once the first server state has been taken. */
  get ready(): boolean {
    return this.#ready;
  }
  /** Inputs sent but not yet acknowledged by the server. */
  get pendingCount(): number {
    return this.#pending.length;
  }
  /** Sequence numbers of the unacknowledged inputs, oldest first. */
  get pendingSeqs(): number[] {
    return this.#pending.map((p) => p.seq);
  }

  /** Starts over from a server body: no pending inputs, no offset (a join or a reconnection). */
  reset(server: Readonly<Body>, alive = true): void {
    copyBody(this.body, server);
    this.#pending = [];
    this.#offsetX = this.#offsetY = 0;
    this.#alive = alive;
    this.#ready = true;
  }

  /** Forgets the pending inputs; the next server state is taken as is (a new connection). Counters are kept. */
  invalidate(): void {
    this.#pending = [];
    this.#ready = false;
  }

  /** Applies one input locally at once and keeps it for replay until acknowledged. */
  applyInput(seq: number, intent: MoveIntent): void {
    if (!this.#ready) return;
    const input: PendingInput = { seq, moveX: intent.moveX, moveY: intent.moveY, aim: intent.aim };
    this.#pending.push(input);
    if (this.#pending.length > this.#opts.maxPending) {
      this.#pending.shift();
      this.overflowed++;
    }
    if (this.#alive) stepBody(this.body, input, this.#opts.dt, this.#opts.bounds);
    else this.body.aim = input.aim;
  }

  /**
   * Takes a server state of the local player that includes every input up to `ackSeq`.
   * Returns the length of the correction it caused (0 when the prediction was right).
   */
  reconcile(server: Readonly<Body>, ackSeq: number, alive: boolean, now: number): number {
    if (!this.#ready) {
      this.reset(server, alive);
      return 0;
    }
    let drop = 0;
    while (drop < this.#pending.length && this.#pending[drop]!.seq <= ackSeq) drop++;
    if (drop > 0) this.#pending.splice(0, drop);

    const oldX = this.body.x;
    const oldY = this.body.y;
    copyBody(this.body, server);
    this.#alive = alive;
    // A dead player does not move; its inputs are consumed without effect.
    if (alive) for (const p of this.#pending) stepBody(this.body, p, this.#opts.dt, this.#opts.bounds);
    else if (this.#pending.length > 0) this.body.aim = this.#pending[this.#pending.length - 1]!.aim;

    const ex = oldX - this.body.x;
    const ey = oldY - this.body.y;
    const dist = Math.hypot(ex, ey);
    this.#decay(now);
    if (dist > this.#opts.teleportDistance) {
      this.#offsetX = this.#offsetY = 0;
      this.snaps++;
    } else {
      // Keep drawing where the player was drawn; the offset then fades.
      this.#offsetX += ex;
      this.#offsetY += ey;
      if (dist > this.#opts.correctionEpsilon) {
        this.corrections++;
        this.correctionDistance += dist;
      }
    }
    return dist;
  }

  /** Where to draw the local player at local time `now` (ms): the prediction plus the fading correction. */
  render(now: number, out: PredictedPose): PredictedPose {
    this.#decay(now);
    out.x = this.body.x + this.#offsetX;
    out.y = this.body.y + this.#offsetY;
    out.aim = this.body.aim;
    return out;
  }

  #decay(now: number): void {
    const elapsed = now - this.#offsetAt;
    if (elapsed <= 0) return;
    this.#offsetAt = now;
    const k = Math.exp(-elapsed / this.#opts.smoothingMs);
    this.#offsetX *= k;
    this.#offsetY *= k;
    if (Math.abs(this.#offsetX) < 0.01) this.#offsetX = 0;
    if (Math.abs(this.#offsetY) < 0.01) this.#offsetY = 0;
  }
}

function copyBody(to: Body, from: Readonly<Body>): void {
  to.x = from.x;
  to.y = from.y;
  to.vx = from.vx;
  to.vy = from.vy;
  to.aim = from.aim;
}
