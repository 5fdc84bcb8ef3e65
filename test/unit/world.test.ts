import { describe, expect, it } from "vitest";
import { SIM, stepBody, type Body } from "@tickwire/example-arena/shared";
import { arenaWorld, type ArenaWorld, type TestInput as WorldInput } from "../helpers/arena.ts";

const DT = 1 / 30;
const input = (seq: number, moveX: number, moveY: number, aim = 0): WorldInput => ({
  seq,
  moveX,
  moveY,
  aim,
  buttons: 0,
});

function runWorld(seed: number, script: Array<Record<string, WorldInput | undefined>>): ArenaWorld {
  const w = arenaWorld({ seed });
  w.addPlayer("a", "ada");
  w.addPlayer("b", "bob");
  for (const inputs of script) w.step((id) => inputs[id]);
  return w;
}

describe("World, stepped tick by tick", () => {
  it("spawns players inside the world and counts ticks", () => {
    const w = arenaWorld({ seed: 7 });
    const p = w.addPlayer("a", "ada");
    expect(p.x).toBeGreaterThan(SIM.PLAYER_RADIUS);
    expect(p.x).toBeLessThan(SIM.WORLD_WIDTH - SIM.PLAYER_RADIUS);
    expect(w.tick).toBe(0);
    w.step(() => undefined);
    w.step(() => undefined);
    expect(w.tick).toBe(2);
  });

  it("accelerates along the input, caps speed, and acknowledges the input sequence", () => {
    const w = arenaWorld({ seed: 1 });
    const p = w.addPlayer("a", "ada");
    const x0 = p.x;
    const y0 = p.y;
    w.step(() => input(1, 1, 0));
    expect(p.vx).toBeCloseTo(SIM.ACCELERATION * DT, 0);
    expect(p.x).toBeGreaterThan(x0);
    expect(p.y).toBeCloseTo(y0, 1);
    expect(p.lastProcessedInputSeq).toBe(1);
    for (let s = 2; s < 30; s++) w.step(() => input(s, 1, 0));
    expect(Math.hypot(p.vx, p.vy)).toBeLessThanOrEqual(SIM.MAX_SPEED + 0.01);
    expect(p.vx).toBeGreaterThan(SIM.MAX_SPEED * 0.99);
    expect(p.lastProcessedInputSeq).toBe(29);
  });

  it("moves diagonally no faster than straight", () => {
    const body: Body = { x: 1000, y: 1000, vx: 0, vy: 0, aim: 0 };
    for (let i = 0; i < 60; i++) stepBody(body, { moveX: 1, moveY: 1, aim: 0 }, DT);
    expect(Math.hypot(body.vx, body.vy)).toBeLessThanOrEqual(SIM.MAX_SPEED + 1e-9);
  });

  it("keeps players inside the world bounds and stops them at the wall", () => {
    const body: Body = { x: 40, y: 500, vx: 0, vy: 0, aim: 0 };
    for (let i = 0; i < 60; i++) stepBody(body, { moveX: -1, moveY: 0, aim: 0 }, DT);
    expect(body.x).toBe(SIM.PLAYER_RADIUS);
    expect(body.vx).toBe(0);
    const far: Body = { x: SIM.WORLD_WIDTH - 40, y: SIM.WORLD_HEIGHT - 40, vx: 0, vy: 0, aim: 0 };
    for (let i = 0; i < 60; i++) stepBody(far, { moveX: 1, moveY: 1, aim: 0 }, DT);
    expect(far.x).toBe(SIM.WORLD_WIDTH - SIM.PLAYER_RADIUS);
    expect(far.y).toBe(SIM.WORLD_HEIGHT - SIM.PLAYER_RADIUS);
  });

  it("comes to rest after the stick is released", () => {
    const body: Body = { x: 1000, y: 1000, vx: SIM.MAX_SPEED, vy: 0, aim: 0 };
    for (let i = 0; i < 30; i++) stepBody(body, { moveX: 0, moveY: 0, aim: 0 }, DT);
    expect(body.vx).toBe(0);
    expect(body.x).toBeGreaterThan(1000);
  });

  it("repeats the last input on a tick without one, but acknowledges only real inputs", () => {
    const w = arenaWorld({ seed: 3 });
    const p = w.addPlayer("a", "ada");
    w.step(() => input(5, 0, 1));
    const vyAfterOne = p.vy;
    w.step(() => undefined);
    expect(p.vy).toBeGreaterThan(vyAfterOne);
    expect(p.lastProcessedInputSeq).toBe(5);
  });

  it("stops a dropped player instead of replaying its held keys", () => {
    const w = arenaWorld({ seed: 3 });
    const p = w.addPlayer("a", "ada");
    for (let s = 1; s <= 10; s++) w.step(() => input(s, 1, 0));
    w.setConnected("a", false);
    expect(p.connected).toBe(false);
    for (let i = 0; i < 30; i++) w.step(() => undefined);
    expect(p.vx).toBe(0);
  });

  it("removes players on leave", () => {
    const w = arenaWorld({ seed: 3 });
    w.addPlayer("a", "ada");
    w.removePlayer("a");
    expect(w.playerCount).toBe(0);
    w.step(() => undefined);
  });

  it("is deterministic: same seed and inputs give the same state, a different input does not", () => {
    const script = Array.from({ length: 90 }, (_, i) => ({
      a: i % 3 === 0 ? undefined : input(i, Math.sin(i / 7), Math.cos(i / 5), i / 10),
      b: input(i, i < 45 ? 1 : -1, 0.5),
    }));
    const one = runWorld(42, script);
    const two = runWorld(42, script);
    expect(two.state.toJSON()).toEqual(one.state.toJSON());
    const changed = script.map((s, i) => (i === 10 ? { ...s, b: input(10, -1, -1) } : s));
    expect(runWorld(42, changed).state.toJSON()).not.toEqual(one.state.toJSON());
  });
});
