import {
  type Connection,
  Emitter,
  type InputFields,
  type NetCounters,
  type NetStats,
  type ServerClock,
} from "@tickwire/client-sdk";
import {
  ClientMessages,
  ServerMessages,
  type ArenaState,
  type ChatBroadcast,
  type Player,
  type PlayerInput,
  type ShotsBroadcast,
} from "../shared/index.ts";
import type { ArenaGame } from "./game.ts";
import type { ArenaEvents, ArenaOnlyEvents, InputIntent, RenderedPlayer } from "./types.ts";

/** The arena's game connection. */
export type ArenaGameConnection = Connection<ArenaState, PlayerInput, ArenaGame>;

const ARENA_EVENTS: Record<keyof ArenaOnlyEvents, true> = {
  playerAdd: true,
  playerRemove: true,
  enterView: true,
  leaveView: true,
  chat: true,
  shots: true,
  hit: true,
  death: true,
};
const isArenaEvent = (event: string): event is keyof ArenaOnlyEvents => event in ARENA_EVENTS;

/**
 * A joined arena: the SDK's generic `Connection` with the arena's conveniences (players,
 * chat, shots and hits, kills from the kill feed, lag-compensated inputs).
 *
 * @example
 * ```ts
 * const arena = await joinArena(new TickwireClient("ws://localhost:2567"), { name: "ada" });
 * arena.on("chat", (line) => console.log(`${line.name}: ${line.text}`));
 * arena.startInputLoop(() => ({ moveX: 1, moveY: 0, aim: 0 }));
 * function frame() {
 *   for (const p of arena.entities()) draw(p.x, p.y, p.aim, p.self);
 *   requestAnimationFrame(frame);
 * }
 * ```
 */
export class ArenaConnection {
  /** The generic connection underneath. */
  readonly connection: ArenaGameConnection;
  readonly #arena = new Emitter<ArenaOnlyEvents>();
  /** Newest kill-feed tick already reported (kills before the join are not). */
  #killTick = -1;

  constructor(connection: ArenaGameConnection) {
    this.connection = connection;
    const c = connection;
    c.onEnter("players", (p, id) => {
      this.#emit("playerAdd", p, id);
      if (id !== c.sessionId) this.#emit("enterView", p, id);
    });
    c.onLeave("players", (p, id) => {
      this.#emit("playerRemove", p, id);
      if (id !== c.sessionId) this.#emit("leaveView", p, id);
    });
    c.onMessage(ServerMessages.CHAT, (line: ChatBroadcast) => this.#emit("chat", line));
    c.onMessage(ServerMessages.SHOTS, (shots: ShotsBroadcast) => this.#onShots(shots));
    // Registered first: kills are reported before the game's own `state` handlers run.
    c.on("state", (state) => this.#reportKills(state));
  }

  /** The Colyseus SDK room underneath. */
  get room(): ArenaGameConnection["room"] {
    return this.connection.room;
  }
  get sessionId(): string {
    return this.connection.sessionId;
  }
  get roomId(): string {
    return this.connection.roomId;
  }
  /** Pass to `reconnectArena()` to take this seat back after the SDK gave up. */
  get reconnectionToken(): string {
    return this.connection.reconnectionToken;
  }
  /** The replicated state: other players at their newest received (not interpolated) positions. */
  get state(): ArenaState {
    return this.connection.state;
  }
  /** This client's own player as the server last sent it, once the first state has arrived. */
  get self(): Player | undefined {
    return this.connection.self;
  }
  /** Newest measured round-trip time in ms (NaN before the first measurement). */
  get latencyMs(): number {
    return this.connection.latencyMs;
  }
  /** The server clock estimate (undefined before the first state). */
  get clock(): ServerClock | undefined {
    return this.connection.clock;
  }
  /** True while the socket is up (false during a drop and after leaving). */
  get connected(): boolean {
    return this.connection.connected;
  }
  /** True once the connection has ended for good. */
  get closed(): boolean {
    return this.connection.closed;
  }
  /** Sequence number of the newest input sent. */
  get lastSentSeq(): number {
    return this.connection.lastSentSeq;
  }
  /** Simulation ticks per second on the server. */
  get tickRate(): number {
    return this.connection.tickRate;
  }
  /** The local player's prediction (no smoothing). */
  get predictor(): ArenaGameConnection["predictor"] {
    return this.connection.predictor;
  }

  /** The local player's predicted body (x, y, vx, vy, aim) where to draw it. Undefined before the first state. */
  predicted(at?: number): ReturnType<ArenaGameConnection["predicted"]> {
    return this.connection.predicted(at);
  }

  /** Every player in this client's state with where to draw it (see `Connection.entities`). */
  entities(at?: number): readonly RenderedPlayer[] {
    return this.connection.entities("players", at);
  }

  /** The server tick other players are drawn at (fractional): what a shot is tested against. */
  renderTick(at?: number): number {
    return this.connection.renderTick(at);
  }

  on<K extends keyof ArenaEvents>(event: K, handler: ArenaEvents[K]): () => void {
    if (!isArenaEvent(event)) {
      return this.connection.on(event as Exclude<K, keyof ArenaOnlyEvents>, handler as never);
    }
    return this.#arena.on(event, handler as ArenaOnlyEvents[typeof event]);
  }

  /**
   * Sends one input and applies it to the local player at once (prediction). Without a
   * `viewTick`, it is stamped with the tick other players are drawn at (lag compensation).
   * Returns its sequence number, or 0 when not sent (the connection is down).
   */
  sendInput(intent: InputIntent): number {
    return this.connection.sendInput(this.#fields(intent));
  }

  /** Samples `intent()` and sends it once per server tick (see `Connection.startInputLoop`). Returns the function that stops it. */
  startInputLoop(intent: () => InputIntent): () => void {
    return this.connection.startInputLoop(() => this.#fields(intent()));
  }

  /** Sends a chat line to the room. */
  chat(text: string): void {
    this.connection.send(ClientMessages.CHAT, text);
  }

  /** Leaves the room for good. Resolves with the close code. */
  leave(): Promise<number> {
    return this.connection.leave();
  }

  /** Cumulative traffic counters (a copy). */
  get counters(): NetCounters {
    return this.connection.counters;
  }

  /** Figures for a net-stats overlay. */
  netStats(at?: number): NetStats {
    return this.connection.netStats(at);
  }

  #fields(intent: InputIntent): InputFields<PlayerInput> {
    const seen = this.connection.renderTick();
    return {
      moveX: intent.moveX,
      moveY: intent.moveY,
      aim: intent.aim ?? 0,
      buttons: intent.buttons ?? 0,
      viewTick: intent.viewTick ?? (Number.isFinite(seen) ? Math.max(0, seen) : (this.connection.state?.tick ?? 0)),
    };
  }

  #emit<K extends keyof ArenaOnlyEvents>(event: K, ...args: Parameters<ArenaOnlyEvents[K]>): void {
    this.#arena.emit(event, ...args);
  }

  // The kill feed is global and short; an entry is new when its tick is past the newest
  // reported (a feed received again after a reconnection reports nothing twice).
  #reportKills(state: ArenaState): void {
    const feed = state.killFeed;
    if (!feed) return;
    let newest = this.#killTick;
    feed.forEach((k) => {
      if (this.#killTick >= 0 && k.tick > this.#killTick) {
        this.#emit("death", {
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
    this.#emit("shots", msg);
    for (const shot of msg.shots) {
      if (shot.hit !== undefined) this.#emit("hit", { tick: msg.tick, shooter: shot.shooter, target: shot.hit, shot });
    }
  }
}
