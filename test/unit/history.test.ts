import { describe, expect, it } from "vitest";
import { defineEntity, defineState, type MapSchema, t } from "@tickwire/shared";
import { EntityHistory } from "@tickwire/server";

const Dot = defineEntity(
  { x: t.float32().default(0), y: t.float32().default(0), alive: t.boolean().default(true) },
  "HistDot",
);
const DotsState = defineState({ dots: t.map(Dot).view() }, "HistDots");

function world() {
  const state = new DotsState();
  const history = new EntityHistory(state, 4, { dots: { position: ["x", "y"], fields: ["alive"] } });
  const put = (id: string, x: number, alive = true) => {
    const dot = state.dots.get(id) ?? new Dot();
    Object.assign(dot, { x, y: -x, alive });
    state.dots.set(id, dot);
  };
  return { state, history, put, dots: state.dots as MapSchema<InstanceType<typeof Dot>> };
}

describe("lag-compensation history", () => {
  it("gives an entity where it was, interpolated between recorded ticks; booleans hold where both agree", () => {
    const { history, put } = world();
    put("a", 2);
    history.record(1);
    put("a", 10, false);
    history.record(2);
    expect(history.at("dots", "a", 1)).toEqual({ x: 2, y: -2, alive: true });
    expect(history.at("dots", "a", 1.25)).toEqual({ x: 4, y: -4, alive: false });
    expect(history.at("dots", "a", 2)).toEqual({ x: 10, y: -10, alive: false });
    expect(history.at("dots", "nobody", 1)).toBeUndefined();
  });

  it("forgets an entity from the tick it is gone, also in a slot reused from an older tick", () => {
    const { history, put, dots } = world();
    put("a", 1);
    put("b", 2);
    for (let tick = 1; tick <= 4; tick++) history.record(tick);
    dots.delete("b");
    put("a", 5);
    history.record(5); // reuses tick 1's slot, which held b
    expect([...history.keysAt("dots", 5)]).toEqual(["a"]);
    expect(history.at("dots", "b", 5)).toBeUndefined();
    expect(history.at("dots", "b", 4)).toEqual({ x: 2, y: -2, alive: true });
    expect(history.at("dots", "a", 5)).toMatchObject({ x: 5 });
    // Tick 1 is no longer recorded: its slot holds tick 5.
    expect(history.at("dots", "a", 1)).toBeUndefined();
  });
});
