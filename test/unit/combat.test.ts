import { describe, expect, it } from "vitest";
import { Buttons, COMBAT, SIM } from "@tickwire/example-arena/shared";
import { inLineOfFire, rayHitsCircle } from "@tickwire/example-arena/server";
import { arenaWorld, type TestInput as WorldInput } from "../helpers/arena.ts";

const TICK_HZ = 30;
const ticks = (seconds: number) => Math.round(seconds * TICK_HZ);

type Intents = Record<string, Partial<WorldInput>>;

/** A world with players placed by hand; `step` feeds each player its intent every tick. */
function arena(players: Record<string, [number, number]>, opts: { maxRewindMs?: number } = {}) {
  const world = arenaWorld({ seed: 7, ...(opts.maxRewindMs !== undefined && { maxRewindMs: opts.maxRewindMs }) });
  for (const [id, [x, y]] of Object.entries(players)) {
    const p = world.addPlayer(id, id);
    p.x = x;
    p.y = y;
  }
  let seq = 0;
  const track = new Map<number, Map<string, { x: number; y: number }>>();
  const snapshot = () => {
    const m = new Map<string, { x: number; y: number }>();
    for (const [id, p] of world.state.players) m.set(id, { x: p.x, y: p.y });
    track.set(world.tick, m);
  };
  snapshot();
  const step = (intents: Intents = {}) => {
    const events = world.step((id) => {
      const i = intents[id];
      return i ? { seq: ++seq, moveX: 0, moveY: 0, aim: 0, buttons: 0, ...i } : undefined;
    });
    snapshot();
    return events;
  };
  /** Where `id` was at a fractional tick, as a client interpolating snapshots saw it. */
  const seenAt = (id: string, tick: number) => {
    const lo = Math.floor(tick);
    const a = track.get(lo)!.get(id)!;
    const b = track.get(lo + 1)?.get(id) ?? a;
    const f = tick - lo;
    return { x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
  };
  return { world, step, seenAt, player: (id: string) => world.state.players.get(id)! };
}

const aimAt = (from: { x: number; y: number }, to: { x: number; y: number }) =>
  Math.atan2(to.y - from.y, to.x - from.x);

/** A target strafing sideways at full speed, 400 units from a still shooter. */
function strafing(opts: { maxRewindMs?: number } = {}) {
  const a = arena({ shooter: [1000, 1000], target: [600, 1400] }, opts);
  // Reach full speed, then keep strafing.
  for (let i = 0; i < 30; i++) a.step({ target: { moveX: 1 } });
  expect(Math.hypot(a.player("target").vx, a.player("target").vy)).toBeCloseTo(SIM.MAX_SPEED, 0);
  return a;
}

describe("lag compensation (World, no sockets)", () => {
  it("a shooter whose view is 150 ms old hits where it saw the target", () => {
    const a = strafing();
    const viewTick = a.world.tick - 0.15 * TICK_HZ;
    const seen = a.seenAt("target", viewTick);
    const { shots } = a.step({
      target: { moveX: 1 },
      shooter: { aim: aimAt(a.player("shooter"), seen), buttons: Buttons.FIRE, viewTick },
    });
    expect(shots).toHaveLength(1);
    expect(shots[0]!.hit).toBe("target");
    expect(a.player("target").health).toBe(COMBAT.MAX_HEALTH - COMBAT.WEAPON_DAMAGE);
  });

  it("the same shot without rewind misses: the target has moved on", () => {
    const a = strafing();
    const seen = a.seenAt("target", a.world.tick - 0.15 * TICK_HZ);
    // 150 ms at 320 units/s is 48 units, three times the player radius.
    const { shots } = a.step({
      target: { moveX: 1 },
      shooter: { aim: aimAt(a.player("shooter"), seen), buttons: Buttons.FIRE, viewTick: 0 },
    });
    expect(shots[0]!.hit).toBeUndefined();
    expect(a.player("target").health).toBe(COMBAT.MAX_HEALTH);
  });

  it("a view older than the rewind window is clamped to the window", () => {
    const a = strafing({ maxRewindMs: 200 });
    const now = a.world.tick;
    const claimed = now - 0.5 * TICK_HZ;
    // Aiming where the target was 500 ms ago misses: the shot is tested 200 ms back at most.
    const old = a.step({
      target: { moveX: 1 },
      shooter: {
        aim: aimAt(a.player("shooter"), a.seenAt("target", claimed)),
        buttons: Buttons.FIRE,
        viewTick: claimed,
      },
    });
    expect(old.shots[0]!.testedAt).toBeCloseTo(now - 0.2 * TICK_HZ, 6);
    expect(old.shots[0]!.hit).toBeUndefined();
    // Aiming where it was at the window's edge, with the same old claim, hits.
    for (let i = 0; i < ticks(COMBAT.FIRE_COOLDOWN_S); i++) a.step({ target: { moveX: 1 } });
    const edge = a.world.tick - 0.2 * TICK_HZ;
    const clamped = a.step({
      target: { moveX: 1 },
      shooter: {
        aim: aimAt(a.player("shooter"), a.seenAt("target", edge)),
        buttons: Buttons.FIRE,
        viewTick: a.world.tick - 0.5 * TICK_HZ,
      },
    });
    expect(clamped.shots[0]!.hit).toBe("target");
  });

  it("a view tick in the future is tested now", () => {
    const a = strafing();
    expect(a.world.rewindTarget(a.world.tick + 100)).toBe(a.world.tick);
    expect(a.world.rewindTarget(0)).toBe(a.world.tick);
  });

  it("the ray test finds the entry point and respects the range", () => {
    expect(rayHitsCircle(0, 0, 0, 1000, 100, 0, 10)).toBeCloseTo(90, 6);
    expect(rayHitsCircle(0, 0, 0, 1000, 100, 11, 10)).toBeUndefined();
    expect(rayHitsCircle(0, 0, Math.PI, 1000, 100, 0, 10)).toBeUndefined();
    expect(rayHitsCircle(0, 0, 0, 50, 100, 0, 10)).toBeUndefined();
  });
});

/** Fires at `target` from `shooter` (both still) until it dies; returns the ticks it took. */
function killByShots(a: ReturnType<typeof arena>, shooter: string, target: string): number {
  let n = 0;
  while (a.player(target).alive && n < 200) {
    a.step({ [shooter]: { aim: aimAt(a.player(shooter), a.player(target)), buttons: Buttons.FIRE } });
    n++;
  }
  return n;
}

describe("combat rules", () => {
  it("four hits kill; the cooldown spaces them; the kill is scored and in the feed", () => {
    const a = arena({ ada: [1000, 1000], bob: [1300, 1000] });
    const took = killByShots(a, "ada", "bob");
    // Four shots, three cooldowns between them.
    expect(took).toBe(3 * ticks(COMBAT.FIRE_COOLDOWN_S) + 1);
    const bob = a.player("bob");
    expect(bob.alive).toBe(false);
    expect(bob.health).toBe(0);
    expect(bob.deaths).toBe(1);
    expect(a.player("ada")).toMatchObject({ kills: 1, score: COMBAT.KILL_SCORE });
    expect(a.world.state.killFeed.at(-1)).toMatchObject({
      killer: "ada",
      killerName: "ada",
      victim: "bob",
      victimName: "bob",
    });
  });

  it("a dead player cannot shoot or be hit, and respawns after the delay at full health, away from enemies", () => {
    const a = arena({ ada: [1000, 1000], bob: [1300, 1000], cy: [1000, 1300] });
    killByShots(a, "ada", "bob");
    const bob = a.player("bob");
    const killTick = a.world.tick - 1;
    // Until the delay is over, bob's trigger does nothing and ada's shots at him hit nothing.
    while (a.world.tick < killTick + ticks(COMBAT.RESPAWN_DELAY_S)) {
      const { shots } = a.step({
        bob: { buttons: Buttons.FIRE },
        ada: { aim: aimAt(a.player("ada"), bob), buttons: Buttons.FIRE },
      });
      expect(shots.filter((s) => s.shooter === "bob")).toHaveLength(0);
      expect(shots.filter((s) => s.hit !== undefined)).toHaveLength(0);
    }
    expect(bob.alive).toBe(false);
    a.step();
    expect(bob.alive).toBe(true);
    expect(bob.health).toBe(COMBAT.MAX_HEALTH);
    for (const other of ["ada", "cy"]) {
      const o = a.player(other);
      expect(Math.hypot(o.x - bob.x, o.y - bob.y)).toBeGreaterThanOrEqual(COMBAT.SPAWN_SAFE_DISTANCE);
    }
    // Three players is a sparse room: he reappears in sight of someone, out of ada's line of fire.
    const near = ["ada", "cy"].map((o) => Math.hypot(a.player(o).x - bob.x, a.player(o).y - bob.y));
    expect(Math.min(...near)).toBeLessThanOrEqual(COMBAT.SPAWN_RESPAWN_MAX_DISTANCE);
    expect(inLineOfFire(a.player("ada"), bob.x, bob.y)).toBe(false);
  });

  it("a health pickup heals, goes away, and comes back after its delay", () => {
    const a = arena({ ada: [1000, 1000], bob: [1300, 1000] });
    for (let i = 0; i < 2; i++) {
      a.step({ ada: { aim: 0, buttons: Buttons.FIRE } });
      for (let t = 0; t < ticks(COMBAT.FIRE_COOLDOWN_S); t++) a.step();
    }
    const bob = a.player("bob");
    expect(bob.health).toBe(COMBAT.MAX_HEALTH - 2 * COMBAT.WEAPON_DAMAGE);
    const [key, pickup] = [...a.world.state.pickups.entries()][0]!;
    bob.x = pickup.x;
    bob.y = pickup.y;
    a.step();
    expect(bob.health).toBe(COMBAT.MAX_HEALTH - 2 * COMBAT.WEAPON_DAMAGE + COMBAT.PICKUP_HEAL);
    expect(a.world.state.pickups.get(key)!.active).toBe(false);
    // A player at full health leaves pickups alone.
    for (let t = 1; t < ticks(COMBAT.PICKUP_RESPAWN_S); t++) a.step();
    expect(a.world.state.pickups.get(key)!.active).toBe(false);
    a.step();
    expect(a.world.state.pickups.get(key)!.active).toBe(true);
  });

  it("the scoreboard holds the top players by score, best first, and follows changes", () => {
    const ids = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, "0")}`);
    const a = arena(Object.fromEntries(ids.map((id, i) => [id, [300 + i * 250, 2000]])));
    a.step();
    expect(a.world.state.scoreboard.length).toBe(COMBAT.SCOREBOARD_SIZE);
    a.player("p11").score = 5;
    a.player("p07").score = 2;
    a.player("p03").score = 2;
    a.player("p03").kills = 3;
    // Scores change through kills in play; a kill marks the board for rebuilding.
    killByShots(a, "p00", "p01");
    const board = a.world.state.scoreboard.map((e) => e.id);
    expect(board.slice(0, 4)).toEqual(["p11", "p03", "p07", "p00"]);
    expect(a.world.state.scoreboard.at(3)!.score).toBe(COMBAT.KILL_SCORE);
    // The dead player (one death) ranks below those with none.
    expect(board.at(-1)).not.toBe("p01");
    expect(board).not.toContain("p01");
  });

  it("keeps players inside a configured world", () => {
    const world = arenaWorld({ seed: 3, worldSize: 800 });
    const p = world.addPlayer("a", "a");
    expect(world.state.width).toBe(800);
    for (let i = 0; i < 120; i++) world.step(() => ({ seq: i + 1, moveX: 1, moveY: 1, aim: 0, buttons: 0 }));
    expect(p.x).toBeCloseTo(800 - SIM.PLAYER_RADIUS, 0);
    expect(p.y).toBeCloseTo(800 - SIM.PLAYER_RADIUS, 0);
  });
});
