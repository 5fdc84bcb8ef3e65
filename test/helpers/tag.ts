import { afterAll, beforeAll } from "vitest";
import { type App, type AppOptions, createApp, loadConfig, Simulation } from "@tickwire/server";
import { tagGame } from "@tickwire/example-tag/server";
import { TAG, type Stick } from "@tickwire/example-tag/shared";
import { MATCHMAKING_LIMITS_OFF } from "../../loadtest/src/localServer.ts";

// Tag's integration tests run the real server in the test's own process: createApp with tag
// games of chosen settings (no balls, one ball of a chosen seed), over the real transport.
// Colyseus keeps its matchmaker in module state: one app per test file.

export interface TagServer {
  readonly app: App;
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly wsUrl: string;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
}

/**
 * Boots an in-process server with `rooms` for the enclosing file and, when it ends, leaves
 * every connection handed to `keep` and closes the app.
 */
export function useTagServer(
  rooms: AppOptions["rooms"],
  env: Record<string, string> = {},
  pages: Record<string, string> = {},
) {
  let server: TagServer | undefined;
  const open: Array<{ leave(): Promise<unknown> }> = [];
  beforeAll(async () => {
    const vars = { PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn", ...MATCHMAKING_LIMITS_OFF, ...env };
    const app = await createApp(loadConfig(vars), {
      rooms,
      pages,
    });
    const port = await app.listen();
    server = { app, port, wsUrl: `ws://127.0.0.1:${port}`, httpUrl: `http://127.0.0.1:${port}` };
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.leave()));
    await server?.app.close(5000);
  });
  return {
    get server(): TagServer {
      if (!server) throw new Error("the server is not up yet (use it inside a test or hook)");
      return server;
    },
    keep(...conns: Array<{ leave(): Promise<unknown> }>): void {
      open.push(...conns);
    },
  };
}

interface Moving {
  x: number;
  y: number;
  vx: number;
  vy: number;
}

/** A stick that brings a runner on ice to `target` and holds it there (aim for a speed, brake on the way). */
export function steer(me: Moving, target: { x: number; y: number }): Stick {
  const cap = (v: number, max: number) => Math.max(-max, Math.min(max, v));
  // Wanted velocity: towards the target, slowing down over its last 150 units.
  const wantX = cap((target.x - me.x) * 2, 300);
  const wantY = cap((target.y - me.y) * 2, 300);
  return { moveX: cap((wantX - me.vx) / 60, 1), moveY: cap((wantY - me.vy) / 60, 1) };
}

/** What `findBallSeed` found: the seed, and the ticks where the ball is plainly in and out of view again. */
export interface BallPass {
  seed: number;
  enterTick: number;
  leaveTick: number;
}

/**
 * Finds a seed for `tagGame({ balls: 1, seed })` where the ball passes through the view of the
 * first runner, who stands still where it spawned: plainly out of view for the first
 * `outTicks` (the client joins meanwhile), plainly in by `maxTicks / 2`, plainly out again by
 * `maxTicks`, in one pass (near the view, its distance falls, then rises), never touching the
 * runner. Found by running the very game in the engine's Simulation; "plainly" keeps `margin`
 * units off the view radius and its hysteresis.
 */
export function findBallSeed(
  tickRate: number,
  outTicks = 2 * tickRate,
  maxTicks = 16 * tickRate,
  margin = 60,
): BallPass {
  const reach = TAG.RUNNER_RADIUS + TAG.BALL_RADIUS + 20;
  const inside = TAG.BALL_VIEW - margin;
  const outside = TAG.BALL_VIEW + 50 + margin;
  for (let seed = 1; seed <= 1000; seed++) {
    const pass = ballPass(seed, tickRate, outTicks, maxTicks, reach, inside, outside);
    if (pass) return pass;
  }
  throw new Error("no seed in 1..1000 makes one ball pass through a still runner's view");
}

function ballPass(
  seed: number,
  tickRate: number,
  outTicks: number,
  maxTicks: number,
  reach: number,
  inside: number,
  outside: number,
): BallPass | undefined {
  const sim = new Simulation(tagGame({ balls: 1, seed }), { tickRate });
  sim.join("a", { name: "ada" });
  const runner = sim.state.runners.get("a")!;
  const ball = sim.state.balls.get("b0")!;
  let enterTick = -1;
  let prev = Infinity;
  let receding = false;
  for (let tick = 0; tick < maxTicks; tick++) {
    sim.step();
    const d = Math.hypot(ball.x - runner.x, ball.y - runner.y);
    if (d < reach || (tick < outTicks && d <= outside)) return undefined;
    // One pass: near the view, once the distance rises it must not fall again.
    if (d < outside + 100 && prev < outside + 100) {
      if (d > prev + 0.5) receding = true;
      else if (receding && d < prev - 0.5) return undefined;
    }
    prev = d;
    if (enterTick < 0) {
      if (d < inside) enterTick = tick;
      else if (tick > maxTicks / 2) return undefined;
    } else if (d > outside) {
      return { seed, enterTick, leaveTick: tick };
    }
  }
  return undefined;
}
