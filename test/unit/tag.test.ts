import { describe, expect, it } from "vitest";
import { StateView } from "@colyseus/schema";
import { Simulation } from "@tickwire/server";
import { TAG, TagInput } from "@tickwire/example-tag/shared";
import { tagGame } from "@tickwire/example-tag/server";

// Tag's rules through the engine's Simulation, tick by tick, no sockets.

const HZ = 30;
const stick = (seq: number, moveX: number, moveY = 0) => new TagInput().assign({ seq, moveX, moveY });

function game(balls = 0) {
  const sim = new Simulation(tagGame({ balls, seed: 5 }), { tickRate: HZ });
  const runner = (id: string) => sim.state.runners.get(id)!;
  return { sim, runner };
}

describe("tag (Simulation)", () => {
  it("the first runner in is it, and touching another passes it on, with no tag-back at once", () => {
    const { sim, runner } = game();
    sim.join("a", { name: "ada" });
    sim.join("b", { name: "bob" });
    expect(sim.state.itId).toBe("a");
    expect(runner("a").maxSpeed).toBe(TAG.IT_SPEED);
    runner("b").assign({ x: 1000, y: 1000, vx: 0, vy: 0 });
    runner("a").assign({ x: 1000 - TAG.RUNNER_RADIUS * 2 + 1, y: 1000, vx: 0, vy: 0 });
    sim.step();
    expect(sim.state.itId).toBe("b");
    expect(sim.state.itName).toBe("bob");
    expect(runner("a").it).toBe(false);
    expect(runner("a").maxSpeed).toBe(TAG.MAX_SPEED);
    // Still touching: "a" is immune for a while.
    for (let i = 0; i < Math.round(TAG.TAG_IMMUNITY_S * HZ) - 2; i++) {
      runner("a").assign({ x: 1000 - TAG.RUNNER_RADIUS, y: 1000, vx: 0, vy: 0 });
      runner("b").assign({ x: 1000, y: 1000, vx: 0, vy: 0 });
      sim.step();
    }
    expect(sim.state.itId).toBe("b");
    for (let i = 0; i < 4; i++) {
      runner("a").assign({ x: 1000 - TAG.RUNNER_RADIUS, y: 1000, vx: 0, vy: 0 });
      sim.step();
    }
    expect(sim.state.itId).toBe("a");
  });

  it("glides on ice: a push keeps moving after the stick is released", () => {
    const { sim, runner } = game();
    sim.join("a");
    runner("a").assign({ x: 500, y: 500, vx: 0, vy: 0 });
    for (let s = 1; s <= 10; s++) sim.step({ a: stick(s, 1) });
    expect(runner("a").ack).toBe(10);
    const x = runner("a").x;
    for (let s = 11; s <= 40; s++) sim.step({ a: stick(s, 0) });
    expect(runner("a").x).toBeGreaterThan(x + 50);
  });

  it("a ball freezes the runner it hits for a second, and bounces away", () => {
    const { sim, runner } = game(1);
    sim.join("a");
    const ball = sim.state.balls.get("b0")!;
    runner("a").assign({ x: 1000, y: 1000, vx: 0, vy: 0 });
    ball.assign({ x: 1000 - TAG.BALL_RADIUS - TAG.RUNNER_RADIUS, y: 1000, vx: 200, vy: 0 });
    sim.step({ a: stick(1, 1) });
    expect(runner("a").frozen).toBe(true);
    expect(ball.vx).toBeLessThan(0);
    const x = runner("a").x;
    for (let s = 2; s < HZ; s++) sim.step({ a: stick(s, 1) });
    expect(runner("a").x).toBe(x);
    for (let s = HZ; s < HZ + 5; s++) sim.step({ a: stick(s, 1) });
    expect(runner("a").frozen).toBe(false);
    expect(runner("a").x).toBeGreaterThan(x);
  });

  it("scores a point a second for not being it", () => {
    const { sim, runner } = game();
    sim.join("a");
    sim.join("b");
    runner("a").assign({ x: 100, y: 100 });
    runner("b").assign({ x: 1900, y: 1900 });
    for (let i = 0; i < 3 * HZ; i++) sim.step();
    expect(runner("a").score).toBe(0);
    expect(runner("b").score).toBe(3);
  });

  it("a spectator owns no runner; its stick pans the camera its view follows", () => {
    const { sim } = game();
    sim.join("s", { spectate: true });
    expect(sim.state.runners.size).toBe(0);
    const interest = sim.core.interest!;
    // The room adds a viewer per client; here the test does.
    interest.addViewer("s", new StateView());
    sim.core.ctx.setCamera("s", TAG.WORLD_SIZE / 2, TAG.WORLD_SIZE / 2);
    for (let s = 1; s <= HZ; s++) sim.step({ s: stick(s, 1, 0) });
    expect(interest.centerOf("s")!.x).toBeCloseTo(TAG.WORLD_SIZE / 2 + TAG.CAMERA_SPEED, 0);
  });

  it("refuses a bad name", () => {
    const { sim } = game();
    expect(() => sim.join("a", { name: "<script>" })).toThrow(/letters, digits/);
  });
});
