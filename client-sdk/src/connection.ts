import { Callbacks, type Room, type InputHandle } from "@colyseus/sdk";
import {
  ServerMessages,
  ClientMessages,
  PlayerInput,
  clampAxis,
  type ArenaState,
  type Player,
  type ChatBroadcast,
  type ErrorNotice,
  type ShotsBroadcast,
} from "@tickwire/shared/wire";
import { Emitter } from "./emitter.ts";
import { now } from "./time.ts";
import { ClientChannel, type ChannelOptions } from "./channel.ts";
import { Netcode, type NetcodeOptions, type RenderedPlayer } from "./netcode/netcode.ts";
import type { ServerClock } from "./netcode/clock.ts";
import type { Predictor, PredictedPose } from "./netcode/prediction.ts";
import { EventWindow, RateMeter } from "./netcode/meter.ts";
import type { ArenaEvents, InputIntent, NetCounters, NetStats } from "./types.ts";

export interface ArenaConnectionOptions extends ChannelOptions, NetcodeOptions {
  /** How often to measure round-trip time, in ms (0 disables). Default 1000. */
  pingIntervalMs?: number;
  /** Reconnection attempts after a drop before giving up; 0 turns automatic reconnection off. Default 8 (with backoff, about 25 s). */
  maxReconnectAttempts?: number;
}

/** The parts of the SDK's Connection (not exported) that reconnection goes through. */
interface SdkConnection {
  reconnect(q: unknown): void;
  transport: { ws?: WebSocket };
}

/**
 * Node 22's built-in WebSocket (undici 6) reports a socket that could not open with `error`
 * alone: no `close` follows and it stays CONNECTING. The SDK retries (and finally gives up)
 * only on `close`, so its reconnection stopped at the first refused attempt. Such a socket
 * gets the close it should have had. (`ws`, undici 7 and browsers are CLOSING or CLOSED by
 * then, and close by themselves.)
 */
function closeWhenOpenFails(conn: SdkConnection): void {
  const ws = conn.transport.ws;
  ws?.addEventListener(
    "error",
    () => {
      if (ws.readyState !== ws.CONNECTING) return;
      const onclose = ws.onclose;
      ws.onclose = null;
      // A plain object: Node 22 has no global CloseEvent, and the SDK reads only these fields.
      onclose?.call(ws, { type: "close", code: 1006, reason: "connection failed", wasClean: false } as CloseEvent);
    },
    { once: true },
  );
}

/**
 * A joined arena: typed state and events, inputs with client-side prediction, other players
 * interpolated, the server clock, reconnection and net stats.
 *
 * @example
 * ```ts
 * const arena = await new TickwireClient("ws://localhost:2567").joinArena({ name: "ada" });
 * arena.on("chat", (line) => console.log(`${line.name}: ${line.text}`));
 * arena.startInputLoop(() => ({ moveX: 1, moveY: 0, aim: 0 }));
 * function frame() {
 *   for (const p of arena.entities()) draw(p.x, p.y, p.aim, p.self);
 *   requestAnimationFrame(frame);
 * }
 * ```
 */
export class ArenaConnection {
  // biome-ignore lint/suspicious/noExplicitAny: Colyseus' Room takes a server room class first; a client has none
  readonly room: Room<any, ArenaState>;
  #events = new Emitter<ArenaEvents>();
  #input: InputHandle<PlayerInput>;
  #seq = 0;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: Array<() => void> = [];
  #channel: ClientChannel;
  #net: Netcode;
  #patches = 0;
  /** Close code once the connection has ended for good. */
  #closedWith: number | undefined;
  #connected = true;
  #dropped = false;
  /** Newest kill-feed tick already reported (kills before the join are not). */
  #killTick = -1;
  readonly #meters = { updates: new RateMeter(), unreliable: new RateMeter(), bytes: new RateMeter() };
  readonly #corrections: EventWindow;
  #correctionsSeen = 0;

  // biome-ignore lint/suspicious/noExplicitAny: Colyseus' Room takes a server room class first; a client has none
  constructor(room: Room<any, ArenaState>, opts: ArenaConnectionOptions = {}) {
    this.room = room;
    this.#channel = new ClientChannel(room, opts);
    this.#net = new Netcode(room.sessionId, opts);
    this.#corrections = new EventWindow(60_000, now());
    // Unreliable mode: each frame carries the newest inputs (a redundancy ring), so a frame the
    // channel skips while the socket is backed up costs nothing.
    this.#input = room.input<PlayerInput>({ type: PlayerInput, mode: "unreliable" });
    room.reconnection.maxRetries = opts.maxReconnectAttempts ?? 8;
    // A game wants its seat back even if the drop comes in the first seconds.
    room.reconnection.minUptime = 0;

    const $ = Callbacks.get(room);
    this.#unsubscribe.push(
      $.onAdd("players", (p, id) => {
        this.#events.emit("playerAdd", p as Player, id as string);
        if (id !== room.sessionId) this.#events.emit("enterView", p as Player, id as string);
      }),
      $.onRemove("players", (p, id) => {
        this.#net.forget(id as string);
        this.#events.emit("playerRemove", p as Player, id as string);
        if (id !== room.sessionId) this.#events.emit("leaveView", p as Player, id as string);
      }),
    );
    room.onStateChange((s) => this.#onState(s));
    room.onDrop((code, reason) => {
      this.#connected = false;
      // The SDK reports each failed attempt as another drop; the game hears of one.
      if (this.#dropped) return;
      this.#dropped = true;
      this.#events.emit("dropped", this.#channel.lastCloseCode ?? code, reason);
    });
    // The Connection object survives the SDK's reconnections; each attempt goes through here.
    const conn = room.connection as unknown as SdkConnection;
    const reconnect = conn.reconnect.bind(conn);
    conn.reconnect = (q) => {
      this.#events.emit("reconnecting", room.reconnection.retryCount, room.reconnection.maxRetries);
      reconnect(q);
      closeWhenOpenFails(conn);
    };
    room.onReconnect(() => {
      this.#connected = true;
      this.#dropped = false;
      this.#net.restart();
      this.#events.emit("reconnected");
    });
    room.onMessage(ServerMessages.CHAT, (line: ChatBroadcast) => this.#events.emit("chat", line));
    room.onMessage(ServerMessages.SHOTS, (shots: ShotsBroadcast) => this.#onShots(shots));
    room.onMessage(ServerMessages.ERROR, (notice: ErrorNotice) => this.#events.emit("error", notice));
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
  /** The replicated state: other players at their newest received (not interpolated) positions. */
  get state(): ArenaState {
    return this.room.state;
  }
  /** This client's own player as the server last sent it, once the first state has arrived. */
  get self(): Player | undefined {
    return this.room.state?.players?.get(this.room.sessionId);
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
    return this.#seq;
  }
  /** Simulation ticks per second on the server (from the state; 30 until it arrives). */
  get tickRate(): number {
    return this.room.state?.tickRate || 30;
  }

  /**
   * The local player's predicted position and aim, drawn where the game should draw it (the
   * prediction plus a fading correction). Undefined before the first state.
   */
  predicted(at = now()): PredictedPose | undefined {
    const p = this.#net.predictor;
    return p?.ready ? p.render(at, { x: 0, y: 0, aim: 0 }) : undefined;
  }

  /** The local player's prediction: the server's body with the unacknowledged inputs replayed (no smoothing). */
  get predictor(): Predictor | undefined {
    return this.#net.predictor;
  }

  /**
   * Every player in this client's state with where to draw it at `at` (default now): the local
   * player predicted, the others interpolated `interpolationDelayMs` in the past. Call once per
   * rendered frame. The array and its objects are reused between calls.
   */
  entities(at = now()): readonly RenderedPlayer[] {
    return this.#net.entities(this.room.state, at);
  }

  /** The server tick other players are drawn at now (fractional): what a shot is tested against. NaN before the first state. */
  renderTick(at = now()): number {
    return this.#net.renderTick(at);
  }

  on<K extends keyof ArenaEvents>(event: K, handler: ArenaEvents[K]): () => void {
    return this.#events.on(event, handler);
  }

  /**
   * Sends one input and applies it to the local player at once (prediction). Call once per
   * server tick (`tickRate` times a second), or let `startInputLoop` do it. Returns its
   * sequence number, or 0 when not sent (the connection is down).
   */
  sendInput(intent: InputIntent): number {
    if (!this.#connected) return 0;
    const d = this.#input.data;
    d.seq = ++this.#seq;
    d.moveX = intent.moveX;
    d.moveY = intent.moveY;
    d.aim = intent.aim ?? 0;
    d.buttons = intent.buttons ?? 0;
    const seen = this.#net.renderTick(now());
    d.viewTick = intent.viewTick ?? (Number.isFinite(seen) ? Math.max(0, seen) : (this.room.state?.tick ?? 0));
    this.#input.send();
    // Predicted with what the server will step with: float32 on the wire, axes clamped to [-1, 1].
    this.#net.onInput(d.seq, {
      moveX: clampAxis(Math.fround(d.moveX)),
      moveY: clampAxis(Math.fround(d.moveY)),
      aim: Math.fround(d.aim),
    });
    return this.#seq;
  }

  /**
   * Samples `intent()` and sends it once per server tick, on a steady average rate whatever
   * the timer's jitter. Returns the function that stops it; leaving the room stops it too.
   */
  startInputLoop(intent: () => InputIntent): () => void {
    const started = now();
    let sent = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Each wake is timed to the next input's due time: an input sent at a steady phase
    // reaches the server's buffer before the same tick each time.
    const wake = () => {
      if (this.closed) return;
      const tickMs = 1000 / this.tickRate;
      const due = Math.floor((now() - started) / tickMs);
      // After a long stall (a background tab), skip ahead rather than send a burst.
      if (due - sent > 2) sent = due - 1;
      while (sent < due) {
        sent++;
        this.sendInput(intent());
      }
      timer = setTimeout(wake, Math.max(1, started + (sent + 1) * tickMs - now()));
    };
    timer = setTimeout(wake, 0);
    const stop = () => clearTimeout(timer);
    this.#unsubscribe.push(stop);
    return stop;
  }

  chat(text: string): void {
    this.room.send(ClientMessages.CHAT, text);
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

  #onState(state: ArenaState): void {
    const at = now();
    this.#patches++;
    this.#net.onState(state, at);
    const p = this.#net.predictor;
    while (p && this.#correctionsSeen < p.corrections) {
      this.#correctionsSeen++;
      this.#corrections.add(at);
    }
    this.#record(at);
    this.#reportKills(state);
    this.#events.emit("state", state);
  }

  #record(at: number): void {
    const c = this.#channel.counters;
    this.#meters.updates.record(at, this.#net.updates);
    this.#meters.unreliable.record(at, c.unreliableFrames);
    this.#meters.bytes.record(at, c.bytesReceived);
  }

  // The kill feed is global and short; an entry is new when its tick is past the newest
  // reported (a feed received again after a reconnection reports nothing twice).
  #reportKills(state: ArenaState): void {
    const feed = state.killFeed;
    if (!feed) return;
    let newest = this.#killTick;
    feed.forEach((k) => {
      if (this.#killTick >= 0 && k.tick > this.#killTick) {
        this.#events.emit("death", {
          tick: k.tick,
          victim: k.victim,
          victimName: k.victimName,
          killer: k.killer,
          killerName: k.killerName,
        });
      }
      newest = Math.max(newest, k.tick);
    });
    this.#killTick = Math.max(newest, 0);
  }

  #onShots(msg: ShotsBroadcast): void {
    this.#events.emit("shots", msg);
    for (const shot of msg.shots) {
      if (shot.hit !== undefined)
        this.#events.emit("hit", { tick: msg.tick, shooter: shot.shooter, target: shot.hit, shot });
    }
  }

  #ping(): void {
    if (!this.room.connection?.isOpen) return;
    this.room.ping((ms) => this.#net.clock?.observeRtt(ms));
  }

  #stopPing(): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }
}
