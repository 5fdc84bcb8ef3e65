import { describe, expect, it } from "vitest";
import { createRng } from "@tickwire/shared";
import { COMBAT } from "@tickwire/example-arena/shared";
import { arenaWorld } from "../helpers/arena.ts";
import { firstSightPoint, inLineOfFire, safePoint, sightBands } from "@tickwire/example-arena/server";

// Where players appear: in a sparse room, within sight of the others (first sight), never on
// top of anyone nor in a living enemy's line of fire; in a full room, away from enemies.

/** The default area of interest (AOI_RADIUS 1200) less its hysteresis (100), as the room passes it. */
const VIEW = 1100;
const BANDS = sightBands(VIEW);
const REACH = Math.min(COMBAT.SPAWN_FIRST_SIGHT_MAX_DISTANCE, VIEW * COMBAT.SPAWN_FIRST_SIGHT_VIEW_FRACTION);
const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);
const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);

describe("first sight", () => {
  it("the second player of a room appears within sight of the first, never on top of it", () => {
    for (const seed of SEEDS) {
      const w = arenaWorld({ seed, aoiRadius: VIEW, aoiHysteresis: 0 });
      const a = w.addPlayer("a", "ada");
      const b = w.addPlayer("b", "bob");
      const d = dist(a, b);
      expect(d, `seed ${seed}`).toBeGreaterThanOrEqual(COMBAT.SPAWN_FIRST_SIGHT_MIN_DISTANCE);
      expect(d, `seed ${seed}`).toBeLessThanOrEqual(REACH);
      expect(b.x).toBeGreaterThan(0);
      expect(b.x).toBeLessThan(w.bounds.width);
      expect(b.y).toBeGreaterThan(0);
      expect(b.y).toBeLessThan(w.bounds.height);
    }
  });

  it("never puts a newcomer in a living enemy's line of fire, wherever that enemy aims", () => {
    for (const seed of SEEDS) {
      const w = arenaWorld({ seed, aoiRadius: VIEW, aoiHysteresis: 0 });
      const a = w.addPlayer("a", "ada");
      a.aim = createRng(seed * 31).range(-Math.PI, Math.PI);
      const b = w.addPlayer("b", "bob");
      const bearing = Math.atan2(b.y - a.y, b.x - a.x);
      const off = Math.abs(Math.atan2(Math.sin(bearing - a.aim), Math.cos(bearing - a.aim)));
      expect(off, `seed ${seed}`).toBeGreaterThan(COMBAT.SPAWN_LINE_OF_FIRE_HALF_ANGLE);
      expect(inLineOfFire(a, b.x, b.y)).toBe(false);
    }
  });

  it("a small group: each newcomer stands clear of everyone, in sight of the one it was placed by; most see all", () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const w = arenaWorld({ seed, aoiRadius: VIEW, aoiHysteresis: 0 });
      const ids = ["a", "b", "c", "d"];
      for (const [i, id] of ids.entries()) {
        const p = w.addPlayer(id, id);
        for (const other of ids.slice(0, i)) {
          const o = w.state.players.get(other)!;
          expect(dist(p, o), `seed ${seed}: ${id} to ${other}`).toBeGreaterThanOrEqual(
            COMBAT.SPAWN_FIRST_SIGHT_MIN_DISTANCE,
          );
        }
        // Within the view of at least the player it was placed by, and of the whole group when it can be.
        if (i > 0) expect(ids.slice(0, i).some((o) => dist(p, w.state.players.get(o)!) <= REACH)).toBe(true);
      }
    }
    // Over many rooms, the fourth player sees all three others in most of them.
    let allSeen = 0;
    for (const seed of SEEDS) {
      const w = arenaWorld({ seed, aoiRadius: VIEW, aoiHysteresis: 0 });
      for (const id of ["a", "b", "c"]) w.addPlayer(id, id);
      const d = w.addPlayer("d", "d");
      if (["a", "b", "c"].every((o) => dist(d, w.state.players.get(o)!) <= VIEW)) allSeen++;
    }
    expect(allSeen / SEEDS.length).toBeGreaterThan(0.9);
  });

  it("a respawn in a sparse room: in sight of someone, yet no nearer anyone than the safe distance, and out of the line of fire", () => {
    const bounds = { width: 4000, height: 4000 };
    let found = 0;
    for (const seed of SEEDS) {
      const rng = createRng(seed);
      const killer = { x: rng.range(200, 3800), y: rng.range(200, 3800), aim: rng.range(-Math.PI, Math.PI) };
      const at = firstSightPoint([killer], bounds, BANDS.respawn, rng);
      if (!at) continue;
      found++;
      expect(dist(at, killer), `seed ${seed}`).toBeGreaterThanOrEqual(COMBAT.SPAWN_SAFE_DISTANCE);
      expect(dist(at, killer), `seed ${seed}`).toBeLessThanOrEqual(VIEW * COMBAT.SPAWN_RESPAWN_VIEW_FRACTION);
      expect(inLineOfFire(killer, at.x, at.y), `seed ${seed}`).toBe(false);
    }
    expect(found).toBe(SEEDS.length);
  });

  it("once the room is no longer sparse, a newcomer appears away from enemies instead", () => {
    const w = arenaWorld({ seed: 3, aoiRadius: VIEW, aoiHysteresis: 0 });
    const crowd = Array.from({ length: COMBAT.SPAWN_FIRST_SIGHT_BELOW }, (_, i) => w.addPlayer(`p${i}`, `p${i}`));
    const late = w.addPlayer("late", "late");
    const nearest = Math.min(...crowd.map((p) => dist(p, late)));
    expect(nearest).toBeGreaterThanOrEqual(COMBAT.SPAWN_SAFE_DISTANCE);
  });

  it("dead players are nobody to meet, and a view too small for the rule falls back to a safe point", () => {
    const others = [{ x: 2000, y: 2000, aim: 0 }];
    const bounds = { width: 4000, height: 4000 };
    expect(firstSightPoint([], bounds, BANDS.join, createRng(1))).toBeUndefined();
    expect(firstSightPoint(others, bounds, sightBands(300).join, createRng(1))).toBeUndefined();
    expect(firstSightPoint(others, bounds, BANDS.join, createRng(1))).toBeDefined();
    // Beside a dead player only, spawns land anywhere: most are beyond the first-sight reach of it.
    let far = 0;
    for (const seed of SEEDS) {
      const w = arenaWorld({ seed, aoiRadius: VIEW, aoiHysteresis: 0 });
      const a = w.addPlayer("a", "ada");
      a.alive = false;
      if (dist(a, w.addPlayer("b", "bob")) > REACH) far++;
    }
    expect(far / SEEDS.length).toBeGreaterThan(0.5);
    expect(dist(safePoint(others, bounds, createRng(2)), others[0]!)).toBeGreaterThanOrEqual(
      COMBAT.SPAWN_SAFE_DISTANCE,
    );
  });
});
