import { TAG } from "./constants.ts";

// The rules both sides run: the server in its tick, the client in its prediction. Pure: no
// clocks, no randomness, no Colyseus.

/** What the runner's movement reads and writes. Schema instances and plain objects both fit. */
export interface RunnerBody {
  x: number;
  y: number;
  vx: number;
  vy: number;
  maxSpeed: number;
}

/** A stick as a step reads it. */
export interface Stick {
  moveX: number;
  moveY: number;
}

/** A stick axis made safe: NaN or infinite becomes 0, the rest clamps to [-1, 1]. */
export const clampStick = (v: number): number => (Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0);

/** Makes an untrusted input safe in place; true when something had to change. */
export function sanitizeStick(input: Stick): boolean {
  const { moveX, moveY } = input;
  input.moveX = clampStick(moveX);
  input.moveY = clampStick(moveY);
  return !Object.is(input.moveX, moveX) || !Object.is(input.moveY, moveY);
}

/**
 * Moves a runner one step of `dt` seconds on ice: the stick accelerates, light drag slows,
 * speed is capped at the runner's `maxSpeed`, and walls bounce it back at half speed.
 */
export function stepRunner(body: RunnerBody, stick: Stick, dt: number): void {
  let mx = stick.moveX;
  let my = stick.moveY;
  const len = Math.hypot(mx, my);
  if (len > 1) {
    mx /= len;
    my /= len;
  }
  const drag = Math.max(0, 1 - TAG.DRAG * dt);
  let vx = (body.vx + mx * TAG.ACCELERATION * dt) * drag;
  let vy = (body.vy + my * TAG.ACCELERATION * dt) * drag;
  const speed = Math.hypot(vx, vy);
  if (speed > body.maxSpeed) {
    vx *= body.maxSpeed / speed;
    vy *= body.maxSpeed / speed;
  }
  const r = TAG.RUNNER_RADIUS;
  const max = TAG.WORLD_SIZE - r;
  let x = body.x + vx * dt;
  let y = body.y + vy * dt;
  if (x < r || x > max) {
    x = x < r ? r : max;
    vx = -vx * TAG.WALL_BOUNCE;
  }
  if (y < r || y > max) {
    y = y < r ? r : max;
    vy = -vy * TAG.WALL_BOUNCE;
  }
  body.x = x;
  body.y = y;
  body.vx = vx;
  body.vy = vy;
}

/** A ball's step: straight on, bouncing off the walls without losing speed. */
export function stepBall(ball: { x: number; y: number; vx: number; vy: number }, dt: number): void {
  const r = TAG.BALL_RADIUS;
  const max = TAG.WORLD_SIZE - r;
  ball.x += ball.vx * dt;
  ball.y += ball.vy * dt;
  if (ball.x < r || ball.x > max) {
    ball.x = ball.x < r ? r : max;
    ball.vx = -ball.vx;
  }
  if (ball.y < r || ball.y > max) {
    ball.y = ball.y < r ? r : max;
    ball.vy = -ball.vy;
  }
}

/** Where a spectator looks from. */
export interface Camera {
  x: number;
  y: number;
}

/**
 * Pans a spectator's camera by one stick of `dt` seconds, kept over the field. The server runs
 * it for each input a spectator sends; the spectator's page runs it too, to know where it looks.
 */
export function panCamera(camera: Camera, stick: Stick, dt: number): void {
  const clamp = (v: number) => Math.max(0, Math.min(TAG.WORLD_SIZE, v));
  camera.x = clamp(camera.x + stick.moveX * TAG.CAMERA_SPEED * dt);
  camera.y = clamp(camera.y + stick.moveY * TAG.CAMERA_SPEED * dt);
}

/** Where a spectator's camera starts: over the middle of the field. */
export const cameraStart = (): Camera => ({ x: TAG.WORLD_SIZE / 2, y: TAG.WORLD_SIZE / 2 });

/** True when two circles touch. */
export function touching(ax: number, ay: number, bx: number, by: number, reach: number): boolean {
  const dx = ax - bx;
  const dy = ay - by;
  return dx * dx + dy * dy <= reach * reach;
}
