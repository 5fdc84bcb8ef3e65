import { SIM } from "./constants.ts";

/** The moving part of a player. Schema instances and plain objects both satisfy it. */
export interface Body {
  x: number;
  y: number;
  vx: number;
  vy: number;
  aim: number;
}

/** What one input asks for. Values are assumed sanitized (see protocol/validators.ts). */
export interface MoveIntent {
  moveX: number;
  moveY: number;
  aim: number;
}

/** A stick axis made safe: NaN or infinite becomes 0 (a NaN stick must not walk the player left), the rest clamps to [-1, 1]. */
export const clampAxis = (v: number): number => (Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0);

export const IDLE_INTENT: Readonly<MoveIntent> = Object.freeze({ moveX: 0, moveY: 0, aim: 0 });

/** The walls: a body stays within [radius, width - radius] x [radius, height - radius]. */
export interface Bounds {
  width: number;
  height: number;
}

export const DEFAULT_BOUNDS: Readonly<Bounds> = Object.freeze({ width: SIM.WORLD_WIDTH, height: SIM.WORLD_HEIGHT });

/**
 * Advances one body by one fixed step of `dt` seconds. Pure: the same body, intent and dt
 * give the same result on the server tick and in client replay.
 */
export function stepBody(body: Body, intent: MoveIntent, dt: number, bounds: Bounds = DEFAULT_BOUNDS): void {
  let mx = intent.moveX;
  let my = intent.moveY;
  // Diagonals are no faster than straight lines. (Math.sqrt rather than Math.hypot: this runs
  // per player per tick on the server, and hypot is several times slower.)
  const len = Math.sqrt(mx * mx + my * my);
  if (len > 1) {
    mx /= len;
    my /= len;
  }

  let vx = body.vx;
  let vy = body.vy;
  if (mx !== 0 || my !== 0) {
    vx += mx * SIM.ACCELERATION * dt;
    vy += my * SIM.ACCELERATION * dt;
  } else {
    const damping = Math.max(0, 1 - SIM.FRICTION * dt);
    vx *= damping;
    vy *= damping;
  }

  const speed = Math.sqrt(vx * vx + vy * vy);
  if (speed > SIM.MAX_SPEED) {
    vx = (vx / speed) * SIM.MAX_SPEED;
    vy = (vy / speed) * SIM.MAX_SPEED;
  } else if (speed < SIM.REST_SPEED && mx === 0 && my === 0) {
    vx = 0;
    vy = 0;
  }

  let x = body.x + vx * dt;
  let y = body.y + vy * dt;
  const r = SIM.PLAYER_RADIUS;
  // Walls stop the body along the axis it hit; sliding along a wall keeps the other axis.
  const wallX = Math.min(Math.max(x, r), bounds.width - r);
  if (wallX !== x) {
    x = wallX;
    vx = 0;
  }
  const wallY = Math.min(Math.max(y, r), bounds.height - r);
  if (wallY !== y) {
    y = wallY;
    vy = 0;
  }

  body.x = x;
  body.y = y;
  body.vx = vx;
  body.vy = vy;
  body.aim = intent.aim;
}
