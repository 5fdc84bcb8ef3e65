import { describe, expect, it } from "vitest";
import { SchemaSerializer } from "@colyseus/core";
import { $changes, $refId, schema, StateView } from "@colyseus/schema";
import { defineGame, Simulation } from "@tickwire/server";
import { defineEntity, defineInput, defineState, fast, inputAck, t, type SchemaType } from "@tickwire/shared";

// The engine on a tiny game of its own, no sockets: two collections with their own radius,
// a spectator, entities the game removes, lag-compensation history of a non-player collection,
// and the input acknowledgement.

const Runner = defineEntity({ x: fast.position(4000), y: fast.position(4000), ack: inputAck() }, "EtRunner");
const Ball = defineEntity(
  { x: fast.position(4000), y: fast.position(4000), vx: fast(t.float32().default(0)) },
  "EtBall",
);
const State = defineState({ runners: t.map(Runner).view(), balls: t.map(Ball).view() }, "EtState");
const Input = defineInput({ moveX: t.float32().default(0) }, "EtInput");
type Input = SchemaType<typeof Input>;

/** Runners move by their input; balls roll by their speed; "spectator" joins own nothing. */
const game = defineGame({
  state: State,
  input: Input,
  players: "runners",
  interest: {
    width: 4000,
    height: 4000,
    farInterval: 1,
    collections: {
      runners: { position: ["x", "y"], radius: 300 },
      balls: { position: ["x", "y"], radius: 800 },
    },
  },
  history: { ms: 200, collections: { balls: { position: ["x", "y"], fields: ["vx"] } } },
  create: (ctx) => ({ state: ctx.state }),
  join({ state }, player) {
    if ((player.options as { spectate?: boolean }).spectate) return;
    state.runners.set(player.sessionId, new Runner().assign({ x: 2000, y: 2000 }));
  },
  leave: ({ state }, id) => void state.runners.delete(id),
  messages: {
    // Sets a ball's speed; the payload is checked by a hand-written validator.
    kick: {
      payload: {
        safeParse: (v: unknown) =>
          typeof v === "object" && v !== null && typeof (v as { vx?: unknown }).vx === "number"
            ? { success: true as const, data: v as { ball: string; vx: number } }
            : { success: false as const, error: { issues: [{ path: ["vx"], message: "must be a number" }] } },
      },
      handle({ state }, _sender, kick: { ball: string; vx: number }) {
        const ball = state.balls.get(kick.ball);
        if (ball) ball.vx = kick.vx;
      },
    },
  },
  step({ state }, inputs, ctx) {
    state.runners.forEach((r, id) => {
      const input = inputs(id);
      if (input) r.x += input.moveX * 100 * ctx.dt;
    });
    state.balls.forEach((b) => {
      b.x += b.vx * ctx.dt;
    });
  },
});

function setup() {
  const sim = new Simulation(game, { tickRate: 10 });
  new SchemaSerializer<any>().reset(sim.state);
  const interest = sim.core.interest!;
  const views = new Map<string, StateView>();
  const join = (id: string, options: object = {}) => {
    sim.join(id, options);
    const view = new StateView();
    views.set(id, view);
    interest.addViewer(id, view);
    return view;
  };
  const ball = (key: string, x: number, y: number, vx = 0) => {
    const b = new Ball().assign({ x, y, vx });
    sim.state.balls.set(key, b);
    return b;
  };
  const ref = (e: object) => (e as Record<symbol, number>)[$refId]!;
  const held = (id: string) => {
    const i = interest.interestOf(id)!;
    return [...Array.from(i.near), ...Array.from(i.far)];
  };
  const visible = (id: string, e: object) =>
    views.get(id)!.isChangeTreeVisible((e as Record<symbol, never>)[$changes]!);
  return { sim, interest, join, ball, ref, held, visible };
}

const input = (seq: number, moveX: number): Input => new Input().assign({ seq, moveX });

describe("the engine (a Simulation of a small game)", () => {
  it("acknowledges each consumed input on the client's own entity, in its inputAck() field", () => {
    const { sim, join } = setup();
    join("a");
    join("s", { spectate: true });
    sim.step({ a: input(7, 1), s: input(3, 1) });
    const a = sim.state.runners.get("a")!;
    expect(a.ack).toBe(7);
    expect(a.x).toBeCloseTo(2010, 0);
    expect(sim.state.tick).toBe(1);
    expect(sim.state.tickRate).toBe(10);
    sim.step({});
    expect(a.ack).toBe(7); // no input this tick: the ack stays
  });

  it("holds each collection within its own radius", () => {
    const t = setup();
    t.join("a");
    const near = t.ball("near", 2500, 2000); // 500 away: inside the balls' 800
    const far = t.ball("far", 2900, 2000); // 900 away: outside
    t.sim.join("b");
    const other = t.sim.state.runners.get("b")!;
    other.x = 2500; // 500 away: outside the runners' 300
    t.sim.step();
    t.interest.update();
    expect(t.held("a")).toEqual([t.ref(t.sim.state.runners.get("a")!), t.ref(near)]);
    expect(t.visible("a", near)).toBe(true);
    expect(t.visible("a", far)).toBe(false);
    expect(t.visible("a", other)).toBe(false);
    other.x = 2200;
    t.sim.step();
    t.interest.update();
    expect(t.visible("a", other)).toBe(true);
  });

  it("a spectator sees what is around its camera and owns nothing", () => {
    const t = setup();
    t.join("s", { spectate: true });
    const b = t.ball("b", 1500, 1500); // the camera starts at (0, 0)
    t.sim.step();
    t.interest.update();
    expect(t.visible("s", b)).toBe(false);
    t.sim.core.ctx.setCamera("s", 1700, 1700);
    t.interest.update();
    expect(t.visible("s", b)).toBe(true);
    expect(t.interest.interestOf("s")!.self).toBe(-1);
    expect(t.sim.state.runners.size).toBe(0);
  });

  it("a camera set in the join hook, before the room adds the client's viewer, is where the view starts", () => {
    const t = setup();
    const b = t.ball("b", 1500, 1500);
    t.sim.core.ctx.setCamera("late", 1600, 1600); // as a join hook would, before addViewer
    t.sim.join("late", { spectate: true });
    const view = new StateView();
    t.interest.addViewer("late", view);
    t.sim.step();
    t.interest.update();
    expect(view.isChangeTreeVisible((b as unknown as Record<symbol, never>)[$changes]!)).toBe(true);
    expect(t.interest.centerOf("late")).toEqual({ x: 1600, y: 1600 });
  });

  it("an entity the game removes leaves every frame list at once, and the views at the next update", () => {
    const t = setup();
    t.join("a");
    const b = t.ball("b", 2100, 2000);
    t.sim.step();
    expect(t.interest.update()).toEqual({ entered: 1, left: 0 });
    expect(t.held("a")).toContain(t.ref(b));
    t.sim.state.balls.delete("b");
    t.sim.step();
    expect(t.held("a")).not.toContain(t.ref(b));
    expect(t.interest.update()).toEqual({ entered: 0, left: 0 });
  });

  it("an entity leaving a view is removed from it (and counted)", () => {
    const t = setup();
    t.join("a");
    const b = t.ball("b", 2100, 2000, 3000); // 300 units a tick to the right
    t.sim.step();
    expect(t.interest.update().entered).toBe(1);
    t.sim.step();
    t.sim.step();
    t.sim.step(); // x = 3000 now: 1000 away
    expect(t.interest.update()).toEqual({ entered: 0, left: 1 });
    expect(t.visible("a", b)).toBe(false);
  });

  it("records any collection for lag compensation, interpolating between ticks", () => {
    const t = setup();
    t.ball("b", 1000, 1000, 100); // 10 units a tick
    for (let i = 0; i < 5; i++) t.sim.step();
    const h = t.sim.core.history!;
    // Tick T is recorded as the world stood when step T began: x = 1000 + 10 T.
    // (Positions travel quantized: 4000 / 65535 units a step.)
    const at2 = h.at("balls", "b", 2)!;
    expect(at2.x).toBeCloseTo(1020, 0);
    expect(at2.y).toBeCloseTo(1000, 0);
    expect(at2.vx).toBe(100);
    expect(h.at("balls", "b", 2.5)!.x).toBeCloseTo((at2.x + h.at("balls", "b", 3)!.x) / 2, 6);
    expect(h.at("balls", "b", 2.5)!.x).toBeCloseTo(1025, 0);
    expect(h.at("balls", "nope", 2)).toBeUndefined();
    // 200 ms at 10 Hz: two ticks back at most.
    expect(t.sim.core.rewindTarget(1)).toBe(3);
    expect(t.sim.core.rewindTarget(4.5)).toBe(4.5);
    expect(t.sim.core.rewindTarget(0)).toBe(5);
  });

  it("handles a client's messages at the start of the next step, in order, at most 16 waiting per client", () => {
    const t = setup();
    t.join("a");
    const b = t.ball("b", 100, 100);
    t.sim.message("a", "kick", { ball: "b", vx: 10 });
    t.sim.message("a", "kick", { ball: "b", vx: 20 });
    expect(b.vx).toBe(0); // only the tick mutates state
    t.sim.step();
    expect(b.vx).toBe(20);
    expect(b.x).toBeCloseTo(102, 0); // handled before the step moved it
    t.sim.message("a", "kick", { ball: "b", vx: "fast" });
    t.sim.message("a", "shout", "hi");
    expect(t.sim.sent).toEqual([
      { to: "a", type: "error", payload: { reason: "invalid_payload", type: "kick", detail: "vx: must be a number" } },
      {
        to: "a",
        type: "error",
        payload: { reason: "unknown_message", type: "shout", detail: 'no "shout" message here' },
      },
    ]);
    for (let i = 0; i < 20; i++) t.sim.message("a", "kick", { ball: "b", vx: i });
    expect(t.sim.sent.at(-1)).toMatchObject({ payload: { reason: "queue_full" } });
    t.sim.step();
    expect(b.vx).toBe(15); // the 16 that waited, in order
  });

  it("keeps a client's view where it was while its own entity is gone (a death), and follows it again after", () => {
    const t = setup();
    t.join("a");
    const b = t.ball("b", 2200, 2000);
    const origin = t.ball("o", 50, 50);
    t.sim.step();
    t.interest.update();
    expect(t.visible("a", b)).toBe(true);
    t.sim.state.runners.delete("a");
    t.sim.step();
    expect(t.interest.update()).toEqual({ entered: 0, left: 0 });
    expect(t.visible("a", b)).toBe(true);
    expect(t.visible("a", origin)).toBe(false);
    t.sim.state.runners.set("a", new Runner().assign({ x: 2000, y: 2000 }));
    t.sim.step();
    t.interest.update();
    expect(t.interest.interestOf("a")!.self).toBe(t.ref(t.sim.state.runners.get("a")!));
  });

  it("places an entity whose position is not a number without failing, and no client holds it", () => {
    const t = setup();
    t.join("a");
    const bad = t.ball("bad", Number.NaN, 2000);
    t.sim.step();
    t.interest.update();
    expect(t.visible("a", bad)).toBe(false);
  });

  it("types each message's payload by its validator (the type check fails on a mismatched handler)", () => {
    const count = { safeParse: (v: unknown) => ({ success: true as const, data: Number(v) }) };
    const seen: number[] = [];
    const typed = defineGame({
      ...game.definition,
      messages: {
        count: {
          payload: count,
          handle(_world, _sender, n) {
            seen.push(n + 1); // n is a number
          },
        },
      },
    });
    defineGame({
      ...game.definition,
      messages: {
        // @ts-expect-error a number payload handled as a string
        count: { payload: count, handle: (_world, _sender, text: string) => void text },
      },
    });
    const sim = new Simulation(typed, { tickRate: 10 });
    sim.join("a");
    sim.message("a", "count", "41");
    sim.step();
    expect(seen).toEqual([42]);
  });

  it("refuses a definition whose state or input was not built by the engine's helpers", () => {
    const Plain = schema({ runners: t.map(Runner) }, "EtPlain");
    expect(() => defineGame({ ...game.definition, state: Plain as never })).toThrow(/defineState/);
    expect(() => defineGame({ ...game.definition, players: "nope" as never })).toThrow(/no collection "nope"/);
    const Unfiltered = defineState({ runners: t.map(Runner).view(), balls: t.map(Ball) }, "EtUnfiltered");
    expect(() => defineGame({ ...game.definition, state: Unfiltered as never })).toThrow(
      /balls.*not a \.view\(\) field/,
    );
    expect(() =>
      defineGame({
        ...game.definition,
        interest: { ...game.definition.interest!, collections: { balls: { position: ["x", "y"], radius: 800 } } },
      }),
    ).toThrow(/players collection "runners" must be listed in interest\.collections/);
    expect(() =>
      defineGame({
        ...game.definition,
        interest: {
          ...game.definition.interest!,
          collections: { ...game.definition.interest!.collections, balls: { position: ["x", "z"], radius: 800 } },
        },
      }),
    ).toThrow(/EtState\.balls: its entities have no field "z"/);
  });
});
