import { angleDelta, type Rng } from "@tickwire/shared";
import { COMBAT, SIM, type Bounds } from "../shared/index.ts";

// Where a player appears. Two rules, both the designer's, with their numbers in COMBAT:
// - first sight: while a room has few living players, a newcomer appears within sight of
//   them (inside the area of interest, not on top of anyone, not in a living enemy's line of
//   fire), so two players who join an empty arena find each other at once; a player who
//   respawns there appears in sight too, but no nearer anyone than SPAWN_SAFE_DISTANCE;
// - safe spawn: otherwise, a point with no living enemy within SPAWN_SAFE_DISTANCE, or the
//   safest point tried.

/** A living player as the spawn rules see it: where it stands and where it aims. */
export interface Occupant {
  readonly x: number;
  readonly y: number;
  readonly aim: number;
}

export interface Point {
  x: number;
  y: number;
}

/** How near the others a first-sight point lies: at least `minDistance` from everyone, at most `maxDistance` from one. */
export interface SightBand {
  minDistance: number;
  maxDistance: number;
}

/** The bands for a join and for a respawn, given the distance within which players hold each other. */
export function sightBands(viewRadius: number): { join: SightBand; respawn: SightBand } {
  return {
    join: {
      minDistance: COMBAT.SPAWN_FIRST_SIGHT_MIN_DISTANCE,
      maxDistance: Math.min(COMBAT.SPAWN_FIRST_SIGHT_MAX_DISTANCE, viewRadius * COMBAT.SPAWN_FIRST_SIGHT_VIEW_FRACTION),
    },
    respawn: {
      minDistance: COMBAT.SPAWN_SAFE_DISTANCE,
      maxDistance: Math.min(COMBAT.SPAWN_RESPAWN_MAX_DISTANCE, viewRadius * COMBAT.SPAWN_RESPAWN_VIEW_FRACTION),
    },
  };
}

/** Keeps a spawned body off the walls. */
const MARGIN = SIM.PLAYER_RADIUS * 4;

/** True when a shot from `shooter` along its aim could hit a body standing at (x, y). */
export function inLineOfFire(shooter: Occupant, x: number, y: number): boolean {
  const dx = x - shooter.x;
  const dy = y - shooter.y;
  const dist = Math.hypot(dx, dy);
  if (dist > COMBAT.WEAPON_RANGE + SIM.PLAYER_RADIUS) return false;
  // Within a body's width of the muzzle, any aim hits.
  if (dist <= SIM.PLAYER_RADIUS * 2) return true;
  return Math.abs(angleDelta(shooter.aim, Math.atan2(dy, dx))) <= COMBAT.SPAWN_LINE_OF_FIRE_HALF_ANGLE;
}

function inside(bounds: Bounds, x: number, y: number): boolean {
  return x >= MARGIN && x <= bounds.width - MARGIN && y >= MARGIN && y <= bounds.height - MARGIN;
}

/**
 * A first-sight point near the living players `others`, within `band`, or undefined when the
 * rule does not apply (nobody to meet, the room no longer sparse, a view too small for the
 * band) or no candidate passes.
 */
export function firstSightPoint(
  others: readonly Occupant[],
  bounds: Bounds,
  band: SightBand,
  rng: Rng,
): Point | undefined {
  if (others.length === 0 || others.length >= COMBAT.SPAWN_FIRST_SIGHT_BELOW) return undefined;
  const reach = band.maxDistance;
  if (reach <= band.minDistance) return undefined;
  let best: Point | undefined;
  let bestSeen = 0;
  for (let i = 0; i < COMBAT.SPAWN_CANDIDATES * 4; i++) {
    const anchor = others[Math.floor(rng.next() * others.length)]!;
    const angle = rng.next() * 2 * Math.PI;
    const dist = rng.range(band.minDistance, reach);
    const x = anchor.x + Math.cos(angle) * dist;
    const y = anchor.y + Math.sin(angle) * dist;
    if (!inside(bounds, x, y)) continue;
    let seen = 0;
    let refused = false;
    for (const o of others) {
      const d = Math.hypot(o.x - x, o.y - y);
      if (d < band.minDistance || inLineOfFire(o, x, y)) {
        refused = true;
        break;
      }
      if (d <= reach) seen++;
    }
    if (refused || seen <= bestSeen) continue;
    best = { x, y };
    bestSeen = seen;
    // Everyone in sight: no candidate can do better.
    if (seen === others.length) break;
  }
  return best;
}

/** A point with no living player of `others` within SPAWN_SAFE_DISTANCE, or the safest point tried. */
export function safePoint(others: readonly Occupant[], bounds: Bounds, rng: Rng): Point {
  let best = { x: 0, y: 0, clearance: -1 };
  for (let i = 0; i < COMBAT.SPAWN_CANDIDATES; i++) {
    const x = rng.range(MARGIN, bounds.width - MARGIN);
    const y = rng.range(MARGIN, bounds.height - MARGIN);
    let clearance = Number.POSITIVE_INFINITY;
    for (const o of others) clearance = Math.min(clearance, Math.hypot(o.x - x, o.y - y));
    if (clearance > best.clearance) best = { x, y, clearance };
    if (clearance >= COMBAT.SPAWN_SAFE_DISTANCE) break;
  }
  return { x: best.x, y: best.y };
}
