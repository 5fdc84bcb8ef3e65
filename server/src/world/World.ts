import {
  ArenaState, Player, SIM, IDLE_INTENT, createRng, stepBody,
  type InputFields, type Rng,
} from "@tickwire/shared";

/** One input as the world consumes it: sanitized fields plus the client's sequence number. */
export interface WorldInput extends InputFields {
  seq: number;
}

export interface WorldOptions {
  /** Fixed step in seconds (1 / TICK_HZ). */
  dt: number;
  /** Seed for spawn points, so a test can replay a world exactly. */
  seed?: number;
}

export class WorldFullError extends Error {
  override name = "WorldFullError";
}

/**
 * The arena's simulation, free of sockets and timers: the room feeds it joins, leaves and
 * inputs, and calls `step()` once per fixed tick. A unit test drives it the same way.
 * It owns the replicated state; only `step()` and the join/leave calls mutate it.
 */
export class World {
  readonly state = new ArenaState();
  readonly dt: number;
  #rng: Rng;
  /** Last input applied per player, repeated on ticks where none arrived (held keys keep holding). */
  #lastInput = new Map<string, WorldInput>();

  constructor(opts: WorldOptions) {
    this.dt = opts.dt;
    this.#rng = createRng(opts.seed ?? 1);
  }

  get tick(): number {
    return this.state.tick;
  }

  get playerCount(): number {
    return this.state.players.size;
  }

  addPlayer(id: string, name: string): Player {
    const existing = this.state.players.get(id);
    if (existing) return existing;
    const p = new Player();
    p.name = name;
    const margin = SIM.PLAYER_RADIUS * 4;
    p.x = this.#rng.range(margin, SIM.WORLD_WIDTH - margin);
    p.y = this.#rng.range(margin, SIM.WORLD_HEIGHT - margin);
    this.state.players.set(id, p);
    return p;
  }

  removePlayer(id: string): void {
    this.state.players.delete(id);
    this.#lastInput.delete(id);
  }

  /** Marks a player whose connection dropped (seat held) or came back. */
  setConnected(id: string, connected: boolean): void {
    const p = this.state.players.get(id);
    if (!p) return;
    p.connected = connected;
    // A dropped player stops: its last held keys must not walk it into a wall for 20 s.
    if (!connected) this.#lastInput.delete(id);
  }

  /**
   * Advances the world by one fixed step. `inputFor(id)` yields that player's next input,
   * or undefined when none arrived for this tick.
   */
  step(inputFor: (id: string) => WorldInput | undefined): void {
    this.state.players.forEach((player, id) => {
      const input = inputFor(id);
      if (input) {
        this.#lastInput.set(id, input);
        player.lastProcessedInputSeq = input.seq;
      }
      const intent = input ?? this.#lastInput.get(id) ?? IDLE_INTENT;
      stepBody(player, intent, this.dt);
    });
    this.state.tick += 1;
  }
}
