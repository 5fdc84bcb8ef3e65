/** A predicted body: the numeric fields the game's step reads and writes. */
export type BodyFields<F extends string = string> = { [K in F]: number };

export interface PredictorOptions<B extends BodyFields, I> {
  /** The fields of the body, copied from the server's entity at each reconciliation. */
  fields: readonly (keyof B & string)[];
  /** Two of `fields`: the position, where a correction is smoothed and a long jump is a teleport. */
  position: readonly [keyof B & string, keyof B & string];
  /** The game's own pure step, the one its server runs: advances `body` by one input of `dt` seconds. */
  step(body: B, input: Readonly<I>, dt: number): void;
  /** Seconds per server tick: each input is one step of this length, as on the server. */
  dt: number;
  /** Time constant of the correction smoothing, in ms: a correction is 63% gone after this long. Default 100. */
  smoothingMs?: number;
  /** A correction longer than this (units) is a teleport (a respawn, a long stall): applied at once, not smoothed. */
  teleportDistance: number;
  /** Corrections shorter than this (units) are rounding (positions travel quantized) and are not counted. Default 0.5. */
  correctionEpsilon?: number;
  /** Inputs kept while unacknowledged; the oldest is dropped past this. Default 128 (about 4 s at 30 Hz). */
  maxPending?: number;
}

interface PendingInput<I> {
  seq: number;
  input: I;
}

/**
 * Client-side prediction of this client's own entity, reconciled with the server. Each input
 * is applied at once with the game's own step (the function its server runs), and kept until
 * the server acknowledges it. When a state arrives that includes input N, the prediction is
 * re-based on the server's entity and the inputs after N are replayed on top. A difference in
 * position between the old and the new prediction is not snapped to: it becomes a visual
 * offset that decays exponentially (unless it is past the teleport distance).
 *
 * @example
 * ```ts
 * const p = new Predictor<{ x: number; y: number }, { dx: number; dy: number }>({
 *   fields: ["x", "y"],
 *   position: ["x", "y"],
 *   step: (body, input, dt) => { body.x += input.dx * 100 * dt; body.y += input.dy * 100 * dt; },
 *   dt: 1 / 30,
 *   teleportDistance: 200,
 * });
 * p.reset({ x: 0, y: 0 });
 * p.applyInput(1, { dx: 1, dy: 0 });          // p.body.x > 0 at once
 * p.reconcile(serverEntity, serverAck, true, performance.now());
 * ```
 */
export class Predictor<B extends BodyFields, I = unknown> {
  /** The predicted body: the server's newest entity with the unacknowledged inputs replayed. */
  readonly body: B;
  readonly #opts: Required<PredictorOptions<B, I>>;
  readonly #fields: readonly (keyof B & string)[];
  readonly #x: keyof B & string;
  readonly #y: keyof B & string;
  #pending: PendingInput<I>[] = [];
  #ready = false;
  #active = true;
  #offsetX = 0;
  #offsetY = 0;
  #offsetAt = 0;
  /** Corrections counted (past the epsilon, short of a teleport), their summed length, and snaps. */
  corrections = 0;
  correctionDistance = 0;
  snaps = 0;
  /** Inputs dropped because too many were unacknowledged. */
  overflowed = 0;

  constructor(opts: PredictorOptions<B, I>) {
    this.#opts = { smoothingMs: 100, correctionEpsilon: 0.5, maxPending: 128, ...opts };
    this.#fields = opts.fields;
    [this.#x, this.#y] = opts.position;
    this.body = Object.fromEntries(opts.fields.map((f) => [f, 0])) as B;
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

  /** Starts over from a server entity: no pending inputs, no offset (a join or a reconnection). */
  reset(server: Readonly<B>, active = true): void {
    this.#copy(server);
    this.#pending = [];
    this.#offsetX = this.#offsetY = 0;
    this.#active = active;
    this.#ready = true;
  }

  /** Forgets the pending inputs; the next server state is taken as is (a new connection). Counters are kept. */
  invalidate(): void {
    this.#pending = [];
    this.#ready = false;
  }

  /**
   * Applies one input locally at once and keeps it for replay until acknowledged. While the
   * entity is inactive (e.g. dead), the input is kept but does not move the body.
   */
  applyInput(seq: number, input: I): void {
    if (!this.#ready) return;
    this.#pending.push({ seq, input });
    if (this.#pending.length > this.#opts.maxPending) {
      this.#pending.shift();
      this.overflowed++;
    }
    if (this.#active) this.#opts.step(this.body, input, this.#opts.dt);
  }

  /**
   * Takes a server state of the entity that includes every input up to `ackSeq`. Returns the
   * length of the position correction it caused (0 when the prediction was right).
   */
  reconcile(server: Readonly<B>, ackSeq: number, active: boolean, now: number): number {
    if (!this.#ready) {
      this.reset(server, active);
      return 0;
    }
    let drop = 0;
    while (drop < this.#pending.length && this.#pending[drop]!.seq <= ackSeq) drop++;
    if (drop > 0) this.#pending.splice(0, drop);

    const oldX = this.body[this.#x] as number;
    const oldY = this.body[this.#y] as number;
    this.#copy(server);
    this.#active = active;
    // An inactive entity does not move; its inputs are consumed without effect.
    if (active) for (const p of this.#pending) this.#opts.step(this.body, p.input, this.#opts.dt);

    const ex = oldX - (this.body[this.#x] as number);
    const ey = oldY - (this.body[this.#y] as number);
    const dist = Math.hypot(ex, ey);
    this.#decay(now);
    if (dist > this.#opts.teleportDistance) {
      this.#offsetX = this.#offsetY = 0;
      this.snaps++;
    } else {
      // Keep drawing where the entity was drawn; the offset then fades.
      this.#offsetX += ex;
      this.#offsetY += ey;
      if (dist > this.#opts.correctionEpsilon) {
        this.corrections++;
        this.correctionDistance += dist;
      }
    }
    return dist;
  }

  /** Where to draw the entity at local time `now` (ms): the body, its position plus the fading correction. */
  render(now: number, out: B): B {
    this.#decay(now);
    for (const f of this.#fields) (out as BodyFields)[f] = this.body[f] as number;
    (out as BodyFields)[this.#x] = (this.body[this.#x] as number) + this.#offsetX;
    (out as BodyFields)[this.#y] = (this.body[this.#y] as number) + this.#offsetY;
    return out;
  }

  #copy(from: Readonly<B>): void {
    for (const f of this.#fields) (this.body as BodyFields)[f] = from[f] as number;
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
