import { describe, expect, it } from "vitest";
import { Netcode, defineClientGame, type BodyFields } from "@tickwire/client-sdk";
import { defineEntity, defineInput, defineState, inputAck, t, type SchemaType } from "@tickwire/shared";

// A tiny game of the test's own: runners (the own one predicted) and coins, which spin and glow.
const Runner = defineEntity(
  {
    x: t.float64().default(0),
    y: t.float64().default(0),
    vx: t.float64().default(0),
    vy: t.float64().default(0),
    frozen: t.boolean().default(false),
    ack: inputAck(),
  },
  "Runner",
);
const Coin = defineEntity(
  { x: t.float64().default(0), y: t.float64().default(0), spin: t.float64().default(0), glow: t.float64().default(0) },
  "Coin",
);
const RaceState = defineState({ runners: t.map(Runner).view(), coins: t.map(Coin).view() }, "RaceState");
type RaceState = SchemaType<typeof RaceState>;
const RaceInput = defineInput({ dx: t.float32().default(0), dy: t.float32().default(0) }, "RaceInput");
type RaceInput = SchemaType<typeof RaceInput>;

const TICK_MS = 1000 / 30;
const DT = 1 / 30;
type Step = (body: BodyFields<"x" | "y">, input: Readonly<RaceInput>, dt: number) => void;
const speedStep =
  (speed: number): Step =>
  (body, input, dt) => {
    body.x += input.dx * speed * dt;
    body.y += input.dy * speed * dt;
  };

function game(step: Step = speedStep(100)) {
  return defineClientGame({
    state: RaceState,
    input: RaceInput,
    predict: {
      collection: "runners",
      fields: ["x", "y"],
      position: ["x", "y"],
      step: (body, input, dt) => step(body, input, dt),
      active: (r) => !r.frozen,
    },
    interpolate: {
      runners: { position: ["x", "y"], velocity: ["vx", "vy"] },
      coins: { position: ["x", "y"], angles: ["spin"], values: ["glow"] },
    },
  });
}

/** A state holding the own runner "me", another runner "far" and a coin, driven tick by tick. */
function world() {
  const state = new RaceState();
  state.tickRate = 30;
  const me = new Runner().assign({ x: 500, y: 500 });
  const far = new Runner().assign({ x: 1000, y: 1000 });
  const coin = new Coin().assign({ x: 10, y: 10, spin: 6.2, glow: 0 });
  state.runners.set("me", me);
  state.runners.set("far", far);
  state.coins.set("c1", coin);
  return { state, me, far, coin };
}

/**
 * Client and server `latency` ticks apart: each tick the client sends an input (predicted at
 * once with the client's step) and the server steps the newest arrived input with its own step,
 * acknowledges it and sends the state back.
 */
function race(clientStep: Step, serverStep: Step, ticks = 60, latency = 4) {
  const { state, me } = world();
  const net = new Netcode<RaceState>("me", game(clientStep));
  const inFlight: Array<{ at: number; seq: number; input: RaceInput }> = [];
  const server = { x: me.x, y: me.y };
  for (let tick = 1; tick <= ticks; tick++) {
    state.tick = tick;
    while (inFlight.length > 0 && inFlight[0]!.at <= tick) {
      const sent = inFlight.shift()!;
      serverStep(server as BodyFields<"x" | "y">, sent.input, DT);
      me.ack = sent.seq;
    }
    me.x = server.x;
    me.y = server.y;
    net.onState(state, tick * TICK_MS);
    const input = { seq: tick, dx: 1, dy: tick % 10 < 5 ? 1 : 0 } as RaceInput;
    net.onInput(tick, input);
    inFlight.push({ at: tick + latency, seq: tick, input });
  }
  return net.predictor!;
}

describe("client netcode over a replicated state, for any game", () => {
  it("prediction runs the game's own step: the server's step gives no correction, another step does", () => {
    const same = race(speedStep(100), speedStep(100));
    expect(same.corrections).toBe(0);
    expect(same.pendingCount).toBeGreaterThan(0);
    const other = race(speedStep(50), speedStep(100));
    expect(other.corrections).toBeGreaterThan(10);
  });

  it("an inactive own entity is not moved by its inputs", () => {
    const { state, me } = world();
    me.frozen = true;
    const net = new Netcode<RaceState>("me", game());
    state.tick = 1;
    net.onState(state, TICK_MS);
    net.onInput(1, { seq: 1, dx: 1, dy: 0 });
    expect(net.predictor!.body.x).toBe(500);
    me.frozen = false;
    net.onState(state, TICK_MS);
    net.onInput(2, { seq: 2, dx: 1, dy: 0 });
    expect(net.predictor!.body.x).toBeGreaterThan(500);
  });

  it("while the own entity is gone from the state (the game removed it), nothing is predicted or kept pending", () => {
    const { state, me } = world();
    const net = new Netcode<RaceState>("me", game());
    state.tick = 1;
    net.onState(state, TICK_MS);
    net.onInput(1, { seq: 1, dx: 1, dy: 0 });
    expect(net.predictor!.ready).toBe(true);
    state.runners.delete("me");
    state.tick = 2;
    net.onState(state, 2 * TICK_MS);
    expect(net.predictor!.ready).toBe(false);
    for (let seq = 2; seq < 200; seq++) net.onInput(seq, { seq, dx: 1, dy: 0 });
    expect(net.predictor!.pendingCount).toBe(0);
    expect(net.predictor!.overflowed).toBe(0);
    // Back (a respawn): prediction starts over from the server's entity.
    me.x = 100;
    state.runners.set("me", me);
    state.tick = 3;
    net.onState(state, 3 * TICK_MS);
    expect(net.predictor!.ready).toBe(true);
    expect(net.predictor!.body.x).toBe(100);
  });

  it("an entity updated every other frame (the server's outer ring) moves smoothly, not in steps", () => {
    const { state, far } = world();
    const net = new Netcode<RaceState>("me", game());
    const drawn: number[] = [];
    for (let tick = 1; tick <= 40; tick++) {
      state.tick = tick;
      // The far runner moves 10 units a tick, but its fields arrive only on even ticks.
      if (tick % 2 === 0) {
        far.x = 1000 + tick * 10;
        far.vx = 300;
      }
      const now = tick * TICK_MS;
      net.onState(state, now);
      // Two rendered frames per tick.
      for (const at of [now, now + TICK_MS / 2]) {
        if (tick > 10) drawn.push(net.entities(state, "runners", at).find((e) => e.id === "far")!.x as number);
      }
    }
    const steps = drawn.slice(1).map((x, i) => x - drawn[i]!);
    // Half a tick of motion (5 units) each frame; a stale copy on odd ticks would show 0 then 10.
    for (const s of steps) expect(s).toBeCloseTo(5, 6);
  });

  it("an entity that stood still and starts moving does not creep over the idle time", () => {
    const { state, far } = world();
    const net = new Netcode<RaceState>("me", game(), { interpolationDelayMs: 3 * TICK_MS });
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
    const x = net.entities(state, "runners", 26.5 * TICK_MS).find((e) => e.id === "far")!.x as number;
    expect(x).toBeCloseTo(1000, 6);
  });

  it("interpolates any collection's named fields (an angle the short way, a value linearly); the rest shows its newest value", () => {
    const { state, coin } = world();
    const net = new Netcode<RaceState>("me", game(), { interpolationDelayMs: 0 });
    state.tick = 1;
    net.onState(state, TICK_MS);
    state.tick = 2;
    coin.assign({ x: 20, spin: 0.1, glow: 1 });
    net.onState(state, 2 * TICK_MS);
    // Half way between ticks 1 and 2, the frame of tick 2 only just arrived.
    const drawn = net.entities(state, "coins", 1.5 * TICK_MS + 1e-9).find((e) => e.id === "c1")!;
    expect(drawn.x as number).toBeCloseTo(15, 3);
    expect(drawn.glow as number).toBeCloseTo(0.5, 3);
    const spin = drawn.spin as number;
    // From 6.2 to 0.1 across 2π, not back through π.
    expect(spin > 6.2 || spin < 0.1).toBe(true);
    expect(drawn.entity).toBe(coin);
    expect(drawn.self).toBe(false);
  });

  it("the own entity is drawn where it is predicted; a reconnection starts the prediction over", () => {
    const { state, me } = world();
    const net = new Netcode<RaceState>("me", game());
    state.tick = 1;
    net.onState(state, TICK_MS);
    net.onInput(1, { seq: 1, dx: 1, dy: 0 });
    const drawn = net.entities(state, "runners", TICK_MS).find((e) => e.id === "me")!;
    expect(drawn.self).toBe(true);
    expect(drawn.x as number).toBeGreaterThan(500);
    expect(net.predictor!.pendingCount).toBe(1);

    net.restart();
    me.x = 700;
    state.tick = 1; // a new connection: the state arrives again
    net.onState(state, 2 * TICK_MS);
    expect(net.predictor!.pendingCount).toBe(0);
    expect(net.entities(state, "runners", 2 * TICK_MS).find((e) => e.id === "me")!.x as number).toBeCloseTo(700, 6);
    expect(net.entities(state, "runners", 2 * TICK_MS).map((e) => e.id)).toEqual(["me", "far"]);
  });

  it("a game naming a field its schema lacks fails at once, with the name", () => {
    const bad = { ...game(), interpolate: { coins: { position: ["x", "height"] as unknown as ["x", "y"] } } };
    expect(() => new Netcode("me", bad)).toThrow(/coins entities have no numeric field "height"/);
  });
});
