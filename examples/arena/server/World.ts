import { createRng, type Rng } from "@tickwire/shared";
import {
  type ArenaState,
  Player,
  Pickup,
  SIM,
  COMBAT,
  Buttons,
  IDLE_INTENT,
  stepBody,
  type Bounds,
  type ShotInfo,
} from "../shared/index.ts";
import type { InputFields } from "../shared/validators.ts";
import type { EntityHistory } from "@tickwire/server";
import { rayHitsCircle } from "./combat.ts";
import { Scoring } from "./scoring.ts";
import { firstSightPoint, type Occupant, type Point, type SightBand, safePoint, sightBands } from "./spawn.ts";

/** One input as the world consumes it (sanitized). */
export type WorldInput = InputFields;

export interface WorldOptions {
  /** Fixed step in seconds (1 / TICK_HZ). */
  dt: number;
  /** Seed for spawn points and pickups, so a test can replay a world exactly. */
  seed?: number;
  /** World size in units (default SIM.WORLD_WIDTH x SIM.WORLD_HEIGHT, at most SIM.MAX_WORLD_SIZE). */
  width?: number;
  height?: number;
  /**
   * Distance within which clients hold other players (the area of interest, less its
   * hysteresis): first-sight spawns stay well inside it (default: no limit of its own).
   */
  viewRadius?: number;
  /**
   * Lag compensation: the players' recorded positions (the engine records them each tick), and
   * the tick a shot seen at `viewTick` is tested at. Without it, shots test the present.
   */
  history?: EntityHistory;
  rewindTarget?(viewTick: number): number;
}

/** A shot fired this tick: what clients draw, plus the tick it was tested against. */
export interface Shot extends ShotInfo {
  /** The tick the shot was tested against (after clamping to the rewind window). */
  testedAt: number;
}

/** What happened in one step, for the room to pass on (beside the replicated state). */
export interface StepEvents {
  shots: Shot[];
}

/**
 * The arena's simulation, free of sockets and timers: the engine feeds it joins, leaves and
 * inputs, and calls `step()` once per fixed tick (then advances the tick, acknowledges the
 * inputs and re-places the players for interest). A unit test drives it through the engine's
 * `Simulation` the same way. Only `step()` and the join/leave calls mutate the state.
 */
export class World {
  readonly state: ArenaState;
  readonly dt: number;
  readonly bounds: Bounds;
  readonly #history: EntityHistory | undefined;
  readonly #rewindTarget: (viewTick: number) => number;
  #rng: Rng;
  #bands: { join: SightBand; respawn: SightBand };
  /** Last input applied per player, repeated on ticks where none arrived (held keys keep holding). */
  #lastInput = new Map<string, WorldInput>();
  /** Tick at which each player may fire again; each dead player's respawn tick. */
  #nextFireTick = new Map<string, number>();
  #respawnTick = new Map<string, number>();
  #pickupRespawnTick = new Map<string, number>();
  #scoring: Scoring;
  /** What the newest step produced (its shots). */
  lastEvents: StepEvents = { shots: [] };

  constructor(state: ArenaState, opts: WorldOptions) {
    this.dt = opts.dt;
    this.state = state;
    this.#history = opts.history;
    this.#rewindTarget = opts.rewindTarget ?? (() => this.state.tick);
    this.#rng = createRng(opts.seed ?? 1);
    const width = Math.min(opts.width ?? SIM.WORLD_WIDTH, SIM.MAX_WORLD_SIZE);
    const height = Math.min(opts.height ?? SIM.WORLD_HEIGHT, SIM.MAX_WORLD_SIZE);
    this.bounds = Object.freeze({ width, height });
    this.state.width = width;
    this.state.height = height;
    this.#scoring = new Scoring(this.state);
    this.#bands = sightBands(opts.viewRadius ?? Number.POSITIVE_INFINITY);
    for (let i = 0; i < COMBAT.PICKUP_COUNT; i++) {
      const p = new Pickup();
      p.x = this.#rng.range(COMBAT.PICKUP_RADIUS, width - COMBAT.PICKUP_RADIUS);
      p.y = this.#rng.range(COMBAT.PICKUP_RADIUS, height - COMBAT.PICKUP_RADIUS);
      this.state.pickups.set(`p${i}`, p);
    }
  }

  get tick(): number {
    return this.state.tick;
  }

  get playerCount(): number {
    return this.state.players.size;
  }

  #ticks(seconds: number): number {
    return Math.round(seconds / this.dt);
  }

  addPlayer(id: string, name: string, userId = ""): Player {
    const existing = this.state.players.get(id);
    if (existing) return existing;
    const p = new Player();
    p.name = name;
    p.userId = userId;
    p.health = COMBAT.MAX_HEALTH;
    // The newcomer is not in the state yet: everyone living is someone to meet.
    this.#place(p, this.#spawnPoint(this.#livingBodies(p), this.#bands.join));
    this.state.players.set(id, p);
    this.#scoring.changed();
    return p;
  }

  removePlayer(id: string): void {
    this.state.players.delete(id);
    this.#lastInput.delete(id);
    this.#nextFireTick.delete(id);
    this.#respawnTick.delete(id);
    this.#scoring.changed();
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
   * Advances the world by one fixed step (tick `state.tick`; the engine advances it after).
   * `inputFor(id)` is that player's input for this tick, or undefined when none arrived.
   */
  step(inputFor: (id: string) => WorldInput | undefined): StepEvents {
    const tick = this.state.tick;
    const fired: Array<{ id: string; viewTick: number }> = [];
    this.state.players.forEach((player, id) => {
      const input = inputFor(id);
      if (input) this.#lastInput.set(id, input);
      if (!player.alive) return;
      const intent = input ?? this.#lastInput.get(id) ?? IDLE_INTENT;
      stepBody(player, intent, this.dt, this.bounds);
      // Only a fresh input fires: a repeated one must not keep shooting for a silent client.
      if (input && (input.buttons & Buttons.FIRE) !== 0 && tick >= (this.#nextFireTick.get(id) ?? 0)) {
        this.#nextFireTick.set(id, tick + this.#ticks(COMBAT.FIRE_COOLDOWN_S));
        fired.push({ id, viewTick: input.viewTick ?? 0 });
      }
    });
    const shots = fired.map(({ id, viewTick }) => this.#fire(id, viewTick));
    this.#pickups(tick);
    this.#respawns(tick);
    this.#scoring.update();
    this.lastEvents = { shots };
    return this.lastEvents;
  }

  #fire(shooterId: string, viewTick: number): Shot {
    const shooter = this.state.players.get(shooterId)!;
    const testedAt = this.#rewindTarget(viewTick);
    let best: { id: string; dist: number } | undefined;
    this.state.players.forEach((p, id) => {
      if (id === shooterId) return;
      // Without a history (or for a player not recorded then), the present is tested.
      const seen = this.#history ? this.#history.at("players", id, testedAt) : p;
      if (!seen?.alive) return;
      const dist = rayHitsCircle(
        shooter.x,
        shooter.y,
        shooter.aim,
        COMBAT.WEAPON_RANGE,
        seen.x,
        seen.y,
        SIM.PLAYER_RADIUS,
      );
      if (dist !== undefined && (!best || dist < best.dist)) best = { id, dist };
    });
    const shot: Shot = {
      shooter: shooterId,
      x: shooter.x,
      y: shooter.y,
      aim: shooter.aim,
      length: best?.dist ?? COMBAT.WEAPON_RANGE,
      testedAt,
    };
    if (best) {
      shot.hit = best.id;
      this.#damage(best.id, shooterId, COMBAT.WEAPON_DAMAGE);
    }
    return shot;
  }

  #damage(victimId: string, killerId: string, amount: number): void {
    const victim = this.state.players.get(victimId);
    if (!victim?.alive) return;
    victim.health = Math.max(0, victim.health - amount);
    if (victim.health > 0) return;
    victim.alive = false;
    victim.vx = 0;
    victim.vy = 0;
    victim.deaths += 1;
    this.#respawnTick.set(victimId, this.state.tick + this.#ticks(COMBAT.RESPAWN_DELAY_S));
    const killer = this.state.players.get(killerId);
    if (killer) {
      killer.kills += 1;
      killer.score += COMBAT.KILL_SCORE;
    }
    this.#scoring.kill(this.state.tick, killerId, killer?.name ?? "", victimId, victim.name);
  }

  #respawns(tick: number): void {
    for (const [id, at] of this.#respawnTick) {
      if (tick < at) continue;
      this.#respawnTick.delete(id);
      const p = this.state.players.get(id);
      if (!p) continue;
      this.#place(p, this.#spawnPoint(this.#livingBodies(p), this.#bands.respawn));
      p.health = COMBAT.MAX_HEALTH;
      p.alive = true;
    }
  }

  #pickups(tick: number): void {
    this.state.pickups.forEach((pickup, key) => {
      if (!pickup.active) {
        if (tick >= (this.#pickupRespawnTick.get(key) ?? 0)) pickup.active = true;
        return;
      }
      const reach = SIM.PLAYER_RADIUS + COMBAT.PICKUP_RADIUS;
      for (const p of this.state.players.values()) {
        if (!p.alive || p.health >= COMBAT.MAX_HEALTH) continue;
        const dx = p.x - pickup.x;
        const dy = p.y - pickup.y;
        if (dx * dx + dy * dy > reach * reach) continue;
        p.health = Math.min(COMBAT.MAX_HEALTH, p.health + COMBAT.PICKUP_HEAL);
        pickup.active = false;
        this.#pickupRespawnTick.set(key, tick + this.#ticks(COMBAT.PICKUP_RESPAWN_S));
        return;
      }
    });
  }

  #livingBodies(except: Player): Occupant[] {
    const bodies: Occupant[] = [];
    for (const [, o] of this.state.players) if (o !== except && o.alive) bodies.push(o);
    return bodies;
  }

  /** First sight where the room is sparse, else the safe rule. */
  #spawnPoint(others: readonly Occupant[], band: SightBand): Point {
    return firstSightPoint(others, this.bounds, band, this.#rng) ?? safePoint(others, this.bounds, this.#rng);
  }

  #place(p: Player, at: Point): void {
    p.x = at.x;
    p.y = at.y;
    p.vx = 0;
    p.vy = 0;
  }
}
