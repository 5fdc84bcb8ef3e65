import { describe, expect, it } from "vitest";
import { Netcode } from "@tickwire/client-sdk";
import { ArenaState, Player } from "@tickwire/shared/wire";

const TICK_MS = 1000 / 30;

/** A state holding the local player "me" and another player "far", driven tick by tick. */
function world() {
  const state = new ArenaState();
  state.tickRate = 30;
  const me = new Player();
  me.x = 500;
  me.y = 500;
  const far = new Player();
  far.x = 1000;
  far.y = 1000;
  state.players.set("me", me);
  state.players.set("far", far);
  return { state, me, far };
}

describe("client netcode over a replicated state", () => {
  it("a player updated every other frame (the server's outer ring) moves smoothly, not in steps", () => {
    const { state, far } = world();
    const net = new Netcode("me");
    const drawn: number[] = [];
    for (let tick = 1; tick <= 40; tick++) {
      state.tick = tick;
      // The far player moves 10 units a tick, but its fields arrive only on even ticks.
      if (tick % 2 === 0) {
        far.x = 1000 + tick * 10;
        far.vx = 300;
      }
      const now = tick * TICK_MS;
      net.onState(state, now);
      // Two rendered frames per tick.
      for (const at of [now, now + TICK_MS / 2]) {
        if (tick > 10) drawn.push(net.entities(state, at).find((e) => e.id === "far")!.x);
      }
    }
    const steps = drawn.slice(1).map((x, i) => x - drawn[i]!);
    // Half a tick of motion (5 units) each frame; a stale copy on odd ticks would show 0 then 10.
    for (const s of steps) expect(s).toBeCloseTo(5, 2); // positions are quantized to 1/8 unit
  });

  it("a player that stood still and starts moving does not creep over the idle time", () => {
    const { state, far } = world();
    const net = new Netcode("me", { interpolationDelayMs: 3 * TICK_MS });
    for (let tick = 1; tick <= 30; tick++) {
      state.tick = tick;
      if (tick === 25) {
        far.x = 1010;
        far.vx = 300;
      }
      if (tick > 25) far.x += 10;
      net.onState(state, tick * TICK_MS);
    }
    // Drawn three ticks back, at tick 23.5: before the move started at tick 25.
    const x = net.entities(state, 26.5 * TICK_MS).find((e) => e.id === "far")!.x;
    expect(x).toBeCloseTo(1000, 1);
  });

  it("the local player is drawn where it is predicted; a reconnection starts the prediction over", () => {
    const { state, me } = world();
    const net = new Netcode("me");
    state.tick = 1;
    net.onState(state, TICK_MS);
    net.onInput(1, { moveX: 1, moveY: 0, aim: 0 });
    const drawn = net.entities(state, TICK_MS).find((e) => e.id === "me")!;
    expect(drawn.x).toBeGreaterThan(500);
    expect(net.predictor!.pendingCount).toBe(1);

    net.restart();
    me.x = 700;
    state.tick = 1; // a new connection: the state arrives again
    net.onState(state, 2 * TICK_MS);
    expect(net.predictor!.pendingCount).toBe(0);
    expect(net.entities(state, 2 * TICK_MS).find((e) => e.id === "me")!.x).toBeCloseTo(700, 1);
    expect(net.entities(state, 2 * TICK_MS).map((e) => e.id)).toEqual(["me", "far"]);
  });
});
