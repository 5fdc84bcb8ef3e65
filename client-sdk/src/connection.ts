import { Callbacks } from "@colyseus/sdk";
import { EngineMessages, type EngineInput, type EngineState, type ErrorNotice } from "@tickwire/shared";
import { Emitter } from "./emitter.ts";
import { now } from "./time.ts";
import { ClientChannel, type ChannelOptions } from "./channel.ts";
import { beforeReconnectAttempt, isOpen, type AnyRoom } from "./colyseus.ts";
import type { AnyClientGame, BodyOf, ClientGame, CollectionKey, EntityOf, InputFields, SelfOf } from "./game.ts";
import { InputSender, inputLoop } from "./input.ts";
import { layoutOf } from "./layout.ts";
import { Netcode, NETCODE_DEFAULTS, type NetcodeOptions, type Rendered } from "./netcode/netcode.ts";
import type { ServerClock } from "./netcode/clock.ts";
import type { Predictor } from "./netcode/prediction.ts";
import { EventWindow, RateMeter } from "./netcode/meter.ts";
import type { ConnectionEvents, NetCounters, NetStats } from "./types.ts";

export interface ConnectionOptions extends ChannelOptions, NetcodeOptions {
  /** How often to measure round-trip time, in ms (0 disables). Default 1000. */
  pingIntervalMs?: number;
  /** Reconnection attempts after a drop before giving up; 0 turns automatic reconnection off. Default 8 (with backoff, about 25 s). */
  maxReconnectAttempts?: number;
}

/**
 * A joined room of any game: typed state, enter/leave per collection, inputs with client-side
 * prediction of the own entity (the game's own step), the other entities interpolated, the
 * server clock, reconnection and net stats. Made by `TickwireClient.join` and friends.
 *
 * @example
 * ```ts
 * const dots = await new TickwireClient("ws://localhost:2567").join("dots", { name: "ada" }, dotsGame);
 * dots.onEnter("dots", (dot, id) => console.log(`${id} is near`));
 * dots.startInputLoop(() => ({ dx: 1, dy: 0 }));
 * function frame() {
 *   for (const r of dots.entities("dots")) draw(r.x, r.y, r.self);
 *   requestAnimationFrame(frame);
 * }
 * ```
 */
export class Connection<S extends EngineState, I extends EngineInput, G extends AnyClientGame = ClientGame<S, I>> {
  /** The Colyseus SDK room underneath (its public API: `send`, `onMessage`, `ping`...). */
  readonly room: AnyRoom;
  readonly game: G;
  readonly #events = new Emitter<ConnectionEvents<S>>();
  readonly #input: InputSender<I>;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: Array<() => void> = [];
  readonly #callbacks;
  readonly #channel: ClientChannel;
  readonly #net: Netcode<S>;
  #patches = 0;
  /** Close code once the connection has ended for good. */
  #closedWith: number | undefined;
  #connected = true;
  #dropped = false;
  readonly #meters = { updates: new RateMeter(), unreliable: new RateMeter(), bytes: new RateMeter() };
  readonly #corrections: EventWindow;
  #correctionsSeen = 0;

  constructor(room: AnyRoom, game: G, opts: ConnectionOptions = {}) {
    this.room = room;
    this.game = game;
    const layout = layoutOf(game);
    this.#channel = new ClientChannel(room, opts);
    this.#net = new Netcode<S>(room.sessionId, game, opts);
    this.#corrections = new EventWindow(60_000, now());
    this.#input = new InputSender<I>(this.#channel, game, layout.input);
    room.reconnection.maxRetries = opts.maxReconnectAttempts ?? 8;
    // A game wants its seat back even if the drop comes in the first seconds.
    room.reconnection.minUptime = 0;

    this.#callbacks = Callbacks.get(room);
    for (const collection of layout.collections.keys()) {
      this.#unsubscribe.push(
        this.#callbacks.onRemove(collection, (_e: unknown, id: unknown) => this.#net.forget(collection, id as string)),
      );
    }
    room.onStateChange((s: S) => this.#onState(s));
    room.onDrop((code, reason) => {
      this.#connected = false;
      // The SDK reports each failed attempt as another drop; the game hears of one.
      if (this.#dropped) return;
      this.#dropped = true;
      this.#events.emit("dropped", this.#channel.lastCloseCode ?? code, reason);
    });
    beforeReconnectAttempt(room, () =>
      this.#events.emit("reconnecting", room.reconnection.retryCount, room.reconnection.maxRetries),
    );
    room.onReconnect(() => {
      this.#connected = true;
      this.#dropped = false;
      this.#net.restart();
      this.#events.emit("reconnected");
    });
    room.onMessage(EngineMessages.ERROR, (notice: ErrorNotice) => this.#events.emit("error", notice));
    room.onLeave((code, reason) => {
      this.#closedWith = code;
      this.#connected = false;
      this.#stopPing();
      this.#channel.dispose();
      if (this.#dropped) this.#events.emit("reconnectFailed", code, reason);
      this.#events.emit("leave", code, reason);
      for (const off of this.#unsubscribe.splice(0)) off();
    });

    const every = opts.pingIntervalMs ?? 1000;
    if (every > 0) {
      this.#ping();
      this.#pingTimer = setInterval(() => this.#ping(), every);
    }
  }

  get sessionId(): string {
    return this.room.sessionId;
  }
  get roomId(): string {
    return this.room.roomId;
  }
  /** Pass to `TickwireClient.reconnect()` to take this seat back after the SDK gave up. */
  get reconnectionToken(): string {
    return this.room.reconnectionToken;
  }
  /** The replicated state: other entities at their newest received (not interpolated) values. */
  get state(): S {
    return this.room.state;
  }
  /** This client's own entity as last received (undefined for a spectator, without prediction, or before the first state). */
  get self(): SelfOf<G> | undefined {
    return this.#net.self(this.room.state) as SelfOf<G> | undefined;
  }
  /** Newest measured round-trip time in ms (NaN before the first measurement). */
  get latencyMs(): number {
    return this.#net.clock?.rttMs ?? NaN;
  }
  /** The server clock estimate: `serverTick(now)`, `rttMs`, `jitterMs` (undefined before the first state). */
  get clock(): ServerClock | undefined {
    return this.#net.clock;
  }
  /** True while the socket is up (false during a drop and after leaving). */
  get connected(): boolean {
    return this.#connected;
  }
  /** True once the connection has ended for good (left, kicked, or reconnection gave up). */
  get closed(): boolean {
    return this.#closedWith !== undefined;
  }
  /** Sequence number of the newest input sent. */
  get lastSentSeq(): number {
    return this.#input.lastSeq;
  }
  /** Simulation ticks per second on the server (from the state; 30 until it arrives). */
  get tickRate(): number {
    return this.room.state?.tickRate || NETCODE_DEFAULTS.TICK_HZ;
  }

  /**
   * The own entity's predicted body, where the game should draw it at `at` (default now): the
   * prediction plus a fading correction on the position. Undefined without prediction or
   * before the first state. A new object each call (one to keep, unlike `entities`).
   */
  predicted(at = now()): Readonly<BodyOf<G>> | undefined {
    const p = this.#net.predictor;
    return p?.ready ? (p.render(at, {}) as BodyOf<G>) : undefined;
  }

  /** The own entity's prediction: the server's entity with the unacknowledged inputs replayed (no smoothing). */
  get predictor(): Predictor<BodyOf<G>, I> | undefined {
    return this.#net.predictor as Predictor<BodyOf<G>, I> | undefined;
  }

  /**
   * Every entity of `collection` in this client's state with where to draw it at `at` (default
   * now): the own entity predicted, the others interpolated `interpolationDelayMs` in the past
   * (the fields the game interpolates; the other numeric fields at their newest value). Call
   * once per rendered frame. The array and its objects are reused between calls.
   */
  entities<K extends CollectionKey<S>>(collection: K, at = now()): readonly Rendered<EntityOf<S, K>>[] {
    return this.#net.entities(this.room.state, collection, at) as unknown as readonly Rendered<EntityOf<S, K>>[];
  }

  /** The server tick other entities are drawn at now (fractional): what lag compensation rewinds to. NaN before the first state. */
  renderTick(at = now()): number {
    return this.#net.renderTick(at);
  }

  /**
   * Calls `handler` for every entity that appears in this client's state in `collection`: the
   * own one included, those present at join (or when `onEnter` is called), and those that come
   * into view. Returns the function that stops it.
   */
  onEnter<K extends CollectionKey<S>>(
    collection: K,
    handler: (entity: EntityOf<S, K>, key: string) => void,
  ): () => void {
    return this.#untilLeave(
      this.#callbacks.onAdd(collection, (e: unknown, id: unknown) => handler(e as EntityOf<S, K>, id as string)),
    );
  }

  /** Calls `handler` for every entity that disappears from `collection` in this client's state (out of view, or gone). */
  onLeave<K extends CollectionKey<S>>(
    collection: K,
    handler: (entity: EntityOf<S, K>, key: string) => void,
  ): () => void {
    return this.#untilLeave(
      this.#callbacks.onRemove(collection, (e: unknown, id: unknown) => handler(e as EntityOf<S, K>, id as string)),
    );
  }

  /** Calls `handler` with each message of `type` the server sends. Returns the function that stops it. */
  onMessage<T>(type: string, handler: (payload: T) => void): () => void {
    return this.room.onMessage(type, handler);
  }

  /** Sends a message to the room (reliable). */
  send(type: string, payload?: unknown): void {
    this.room.send(type, payload);
  }

  on<K extends keyof ConnectionEvents<S>>(event: K, handler: ConnectionEvents<S>[K]): () => void {
    return this.#events.on(event, handler);
  }

  /**
   * Sends one input and applies it to the own entity at once (prediction). Call once per
   * server tick (`tickRate` times a second), or let `startInputLoop` do it. Fields left out
   * are sent as their defaults. Returns its sequence number, or 0 when not sent (the
   * connection is down).
   */
  sendInput(fields: InputFields<I>): number {
    if (!this.#connected) return 0;
    const { seq, predicted } = this.#input.send(fields);
    this.#net.onInput(seq, predicted);
    return seq;
  }

  /**
   * Samples `input()` and sends it once per server tick, on a steady average rate whatever
   * the timer's jitter. Returns the function that stops it; leaving the room stops it too.
   */
  startInputLoop(input: () => InputFields<I>): () => void {
    return this.#untilLeave(
      inputLoop(
        () => 1000 / this.tickRate,
        () => this.closed,
        () => this.sendInput(input()),
      ),
    );
  }

  /** `off` runs when the connection ends for good, if not before; returns it. */
  #untilLeave(off: () => void): () => void {
    this.#unsubscribe.push(off);
    return off;
  }

  /** Leaves the room for good (the seat is not held). Resolves with the close code. */
  async leave(): Promise<number> {
    this.#stopPing();
    if (this.#closedWith !== undefined) return this.#closedWith;
    return this.room.leave(true);
  }

  /** Cumulative traffic counters (a copy). */
  get counters(): NetCounters {
    return { ...this.#channel.counters, patches: this.#patches };
  }

  /** Figures for a net-stats overlay, at `at` (default now). */
  netStats(at = now()): NetStats {
    this.#record(at);
    const clock = this.#net.clock;
    const p = this.#net.predictor;
    return {
      rttMs: clock?.rttMs ?? NaN,
      smoothedRttMs: clock?.smoothedRttMs ?? NaN,
      jitterMs: clock?.jitterMs ?? 0,
      updatesPerSecond: this.#meters.updates.rate(),
      unreliableFrames: this.#channel.counters.unreliableFrames,
      unreliableFramesPerSecond: this.#meters.unreliable.rate(),
      correctionsPerMinute: this.#corrections.perWindow(at),
      meanCorrectionDistance: p && p.corrections > 0 ? p.correctionDistance / p.corrections : 0,
      downstreamBytesPerSecond: this.#meters.bytes.rate(),
      pendingInputs: p?.pendingCount ?? 0,
      pendingInputsDropped: p?.overflowed ?? 0,
      interpolationDelayMs: this.#net.interpolationDelayMs,
      serverTick: clock?.serverTick(at) ?? NaN,
    };
  }

  #onState(state: S): void {
    const at = now();
    this.#patches++;
    this.#net.onState(state, at);
    const p = this.#net.predictor;
    while (p && this.#correctionsSeen < p.corrections) {
      this.#correctionsSeen++;
      this.#corrections.add(at);
    }
    this.#record(at);
    this.#events.emit("state", state);
  }

  #record(at: number): void {
    const c = this.#channel.counters;
    this.#meters.updates.record(at, this.#net.updates);
    this.#meters.unreliable.record(at, c.unreliableFrames);
    this.#meters.bytes.record(at, c.bytesReceived);
  }

  #ping(): void {
    if (!isOpen(this.room)) return;
    this.room.ping((ms) => this.#net.clock?.observeRtt(ms));
  }

  #stopPing(): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }
}
