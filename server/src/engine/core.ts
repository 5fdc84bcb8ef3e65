import { type EngineInput, type EngineState, ErrorReasons } from "@tickwire/shared";
import { inputAckFieldOf } from "@tickwire/shared/protocol";
import { createLogger, type Logger } from "../observability/log.ts";
import type { Game, GameContext, GameDefinition, PlayerInfo } from "./game.ts";
import { type CollectionHistory, EntityHistory } from "./history.ts";
import { type CollectionInterest, InterestManager } from "./interest.ts";
import { anonymousName, joinOptionsOf } from "./joining.ts";

/** Where a game's outgoing messages go: the room's clients, or a test's record. */
export interface Outbox {
  send(sessionId: string, type: string, payload: unknown): void;
  broadcast(type: string, payload: unknown): void;
  reject(sessionId: string, reason: string, type: string, detail: string): void;
  drop(reason: string): void;
}

export interface CoreOptions {
  /** Steps per second. */
  tickRate: number;
  roomId?: string;
  outbox?: Outbox;
  log?: Logger;
  /** Messages one client may have waiting for the next step (default MAX_QUEUED_MESSAGES). */
  maxQueuedMessages?: number;
}

/** What became of a client message (see `GameCore.receive`). */
export type Receipt = { ok: true } | { ok: false; reason: string; detail: string };

/** Messages one client may have waiting for the next step by default; more are dropped (and counted by the room). */
export const MAX_QUEUED_MESSAGES = 16;

/** One message as a Simulation recorded it. */
export interface SentMessage {
  /** The receiver; undefined for a broadcast. */
  to: string | undefined;
  type: string;
  payload: unknown;
}

/**
 * The socket-free core of a room: a game's state and world, its clients, its history and
 * interest. It runs each step in the engine's order: the history records the tick, the game
 * steps with each client's input, the tick advances, every consumed input is acknowledged on
 * its client's own entity, and the grid follows the entities. The Colyseus room adapts it to
 * sockets; a unit test drives it tick by tick (see `Simulation`).
 */
export class GameCore<S extends EngineState, I extends EngineInput, W, O = unknown> {
  readonly state: S;
  readonly world: W;
  readonly interest: InterestManager | undefined;
  readonly history: EntityHistory | undefined;
  readonly ctx: GameContext<S>;
  readonly #game: GameDefinition<S, I, W, O>;
  readonly #clients: string[] = [];
  readonly #maxRewindTicks: number;
  /**
   * This step's input of each client, undefined where none arrived (what the step consumes and
   * the acknowledgement reports). Entries stay from step to step (no map entry per step).
   */
  readonly #inputs = new Map<string, I | undefined>();
  readonly #inputFor = (id: string): I | undefined => this.#inputs.get(id);
  /** Input-ack field name per entity class. */
  readonly #ackField = new Map<unknown, string | undefined>();
  /** Validated client messages waiting for the next step, and how many each client has waiting. */
  readonly #queue: Array<{ sessionId: string; type: string; payload: unknown }> = [];
  readonly #queued = new Map<string, number>();
  readonly #maxQueued: number;

  constructor(game: Game<S, I, W, O>, opts: CoreOptions) {
    const def = game.definition;
    this.#game = def;
    this.#maxQueued = opts.maxQueuedMessages ?? MAX_QUEUED_MESSAGES;
    this.state = new def.state();
    this.state.tickRate = opts.tickRate;
    const dt = 1 / opts.tickRate;
    this.history = def.history
      ? new EntityHistory(
          this.state,
          Math.ceil(def.history.ms / 1000 / dt) + 2,
          def.history.collections as Readonly<Record<string, CollectionHistory>>,
        )
      : undefined;
    this.#maxRewindTicks = def.history ? def.history.ms / 1000 / dt : 0;
    this.interest = def.interest
      ? new InterestManager(this.state, {
          width: def.interest.width,
          height: def.interest.height,
          ...(def.interest.cellSize !== undefined && { cellSize: def.interest.cellSize }),
          ...(def.interest.farInterval !== undefined && { farInterval: def.interest.farInterval }),
          collections: def.interest.collections as Readonly<Record<string, CollectionInterest>>,
          ...(def.players !== undefined && { players: def.players }),
        })
      : undefined;
    const outbox = opts.outbox;
    const core = this;
    this.ctx = {
      state: this.state,
      roomId: opts.roomId ?? "local",
      dt,
      tickRate: opts.tickRate,
      get tick() {
        return core.state.tick;
      },
      clients: this.#clients,
      history: this.history,
      rewindTarget: (seenTick) => this.rewindTarget(seenTick),
      send: (id, type, payload) => outbox?.send(id, type, payload),
      broadcast: (type, payload) => outbox?.broadcast(type, payload),
      reject: (id, reason, type, detail) => outbox?.reject(id, reason, type, detail),
      drop: (reason) => outbox?.drop(reason),
      seesSegment: (id, x0, y0, x1, y1, radius) => this.interest?.seesSegment(id, x0, y0, x1, y1, radius) ?? true,
      setCamera: (id, x, y) => this.interest?.setCamera(id, x, y),
      log: opts.log ?? createLogger("game"),
    };
    this.world = def.create(this.ctx);
  }

  get tick(): number {
    return this.state.tick;
  }

  /**
   * The tick an action is tested at: the one the client saw, but no further back than the
   * history holds (and never in the future). 0 or less means now.
   */
  rewindTarget(seenTick: number): number {
    const now = this.state.tick;
    if (!(seenTick > 0)) return now;
    return Math.min(now, Math.max(seenTick, now - this.#maxRewindTicks));
  }

  /**
   * A client joined: the game creates its entities; they are placed for interest at once. The
   * client counts as one of `ctx.clients` once the game's hook returned (a hook that throws, to
   * refuse the join, leaves nothing behind).
   */
  join(player: PlayerInfo<O>): void {
    this.#game.join(this.world, player, this.ctx);
    if (!this.#clients.includes(player.sessionId)) this.#clients.push(player.sessionId);
    this.interest?.sync();
  }

  /**
   * A message from a client: validated now (the answer says why not), handled at the start of
   * the next step, since only the tick mutates state. At most `maxQueuedMessages` per client
   * wait; past that the message is dropped (`queue_full`).
   */
  receive(sessionId: string, type: string, payload: unknown): Receipt {
    const handler = this.#game.messages?.[type];
    if (!handler) return { ok: false, reason: ErrorReasons.UNKNOWN_MESSAGE, detail: `no "${type}" message here` };
    let data = payload;
    if (handler.payload) {
      const parsed = handler.payload.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
        return { ok: false, reason: ErrorReasons.INVALID_PAYLOAD, detail: `${where}${issue?.message ?? "invalid"}` };
      }
      data = parsed.data;
    }
    const waiting = this.#queued.get(sessionId) ?? 0;
    if (waiting >= this.#maxQueued) return { ok: false, reason: "queue_full", detail: "" };
    this.#queued.set(sessionId, waiting + 1);
    this.#queue.push({ sessionId, type, payload: data });
    return { ok: true };
  }

  /** A client left for good: the game removes its entities. */
  leave(sessionId: string): void {
    const at = this.#clients.indexOf(sessionId);
    if (at >= 0) this.#clients.splice(at, 1);
    this.#inputs.delete(sessionId);
    // Its messages still waiting go with it.
    if (this.#queued.delete(sessionId)) {
      const kept = this.#queue.filter((m) => m.sessionId !== sessionId);
      this.#queue.splice(0, this.#queue.length, ...kept);
    }
    this.interest?.removeViewer(sessionId);
    this.#game.leave(this.world, sessionId, this.ctx);
    this.interest?.sync();
  }

  /** A client's connection dropped (seat held) or came back. */
  setConnected(sessionId: string, connected: boolean): void {
    this.#game.connection?.(this.world, sessionId, connected, this.ctx);
  }

  /**
   * Advances one fixed step. `inputFor(id)` is asked once per client for its next input
   * (undefined when none arrived); each input has been sanitized by the caller.
   */
  step(inputFor: (sessionId: string) => I | undefined): void {
    this.#handleMessages();
    const tick = this.state.tick;
    // Tick T in the history is the world as it stands when step T begins (what clients were
    // sent after step T-1, plus joins since).
    this.history?.record(tick);
    for (const id of this.#clients) this.#inputs.set(id, inputFor(id));
    this.#game.step(this.world, this.#inputFor, this.ctx);
    this.state.tick = tick + 1;
    this.#acknowledge();
    this.interest?.sync();
  }

  /** The messages received since the last step, in the order they came. */
  #handleMessages(): void {
    if (this.#queue.length === 0) return;
    const messages = this.#game.messages!;
    const queue = this.#queue.splice(0);
    this.#queued.clear();
    for (const m of queue) messages[m.type]!.handle(this.world, m.sessionId, m.payload, this.ctx);
  }

  /** Writes each consumed input's seq into its client's own entity (its `inputAck()` field). */
  #acknowledge(): void {
    const players = this.#game.players;
    if (players === undefined) return;
    const collection = (this.state as unknown as Record<string, { get(k: string): object | undefined }>)[players]!;
    for (const id of this.#clients) {
      const input = this.#inputs.get(id);
      if (!input) continue;
      const own = collection.get(id);
      if (!own) continue;
      let field = this.#ackField.get(own.constructor);
      if (!this.#ackField.has(own.constructor)) {
        field = inputAckFieldOf(own);
        this.#ackField.set(own.constructor, field);
      }
      if (field !== undefined) (own as Record<string, number>)[field] = input.seq;
    }
  }

  dispose(): void {
    this.#game.dispose?.(this.world, this.ctx);
  }
}

/**
 * A game run without sockets, tick by tick: for a game's unit tests (and the engine's). It
 * runs exactly the room's step order; messages the game sends are recorded in `sent`. There
 * are no clients' views: `ctx.seesSegment` is false for everyone unless the test adds a viewer
 * (`sim.core.interest.addViewer(id, view)`), as the room does for each client it joins.
 *
 * @example
 * ```ts
 * const sim = new Simulation(dots, { tickRate: 30 });
 * sim.join("a", { name: "ada" });
 * sim.step({ a: Object.assign(new DotsInput(), { seq: 1, dx: 1 }) });
 * expect(sim.state.dots.get("a")!.x).toBeGreaterThan(0);
 * ```
 */
export class Simulation<S extends EngineState, I extends EngineInput, W, O = unknown> {
  readonly core: GameCore<S, I, W, O>;
  readonly sent: SentMessage[] = [];
  /** Reasons of the messages the game dropped silently (`ctx.drop`). */
  readonly dropped: string[] = [];
  readonly #game: Game<S, I, W, O>;
  #anonymous = 0;

  /**
   * @param opts.record Keep what the game sends in `sent` and `dropped` (default true; a long
   *   benchmark run turns it off so that the lists do not grow).
   */
  constructor(game: Game<S, I, W, O>, opts: { tickRate?: number; roomId?: string; record?: boolean } = {}) {
    this.#game = game;
    const record = opts.record ?? true;
    const keep = (m: SentMessage) => {
      if (record) this.sent.push(m);
    };
    this.core = new GameCore(game, {
      tickRate: opts.tickRate ?? 30,
      roomId: opts.roomId ?? "simulation",
      outbox: {
        send: (to, type, payload) => keep({ to, type, payload }),
        broadcast: (type, payload) => keep({ to: undefined, type, payload }),
        reject: (to, reason, type, detail) => keep({ to, type: "error", payload: { reason, type, detail } }),
        drop: (reason) => {
          if (record) this.dropped.push(reason);
        },
      },
    });
  }

  get state(): S {
    return this.core.state;
  }
  get world(): W {
    return this.core.world;
  }
  get tick(): number {
    return this.core.tick;
  }

  /** A client joins with these options (validated by the game's `joinOptions`, as the server would). */
  join(sessionId: string, options: unknown = {}, userId = `anon:${sessionId}`): void {
    const joined = joinOptionsOf(this.#game.definition.joinOptions, options);
    if ("error" in joined) throw new Error(joined.error);
    const name = anonymousName(joined.options, () => `player-${++this.#anonymous}`);
    if (typeof name !== "string") throw new Error(name.error);
    this.core.join({ sessionId, userId, name, options: joined.options });
  }

  leave(sessionId: string): void {
    this.core.leave(sessionId);
  }

  /**
   * One step; `inputs` gives each client's input for it (by session id, or a function). Each is
   * sanitized with the game's sanitizer first, as the server does.
   */
  step(inputs: Readonly<Record<string, I>> | ((sessionId: string) => I | undefined) = {}): void {
    const def = this.#game.definition;
    const sanitize = def.sanitizeInput?.bind(def);
    const get = typeof inputs === "function" ? inputs : (id: string) => inputs[id];
    this.core.step((id) => {
      const input = get(id);
      if (input && sanitize) sanitize(input);
      return input;
    });
  }

  /** Sends a client message through the game's handler, validated as the server does. */
  /**
   * A client message, validated as the server does (a refusal is answered with an `error`
   * notice in `sent`) and handled at the start of the next `step()`.
   */
  message(sessionId: string, type: string, payload: unknown): void {
    const receipt = this.core.receive(sessionId, type, payload);
    if (!receipt.ok) this.core.ctx.reject(sessionId, receipt.reason, type, receipt.detail);
  }
}
