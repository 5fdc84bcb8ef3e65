import { describe, expect, it } from "vitest";
import { $changes, $refId, StateView } from "@colyseus/schema";
import { SchemaSerializer } from "@colyseus/core";
import { createRng } from "@tickwire/shared";
import { arenaWorld } from "../helpers/arena.ts";

// The InterestManager on a real World and real StateViews, no sockets: positions are set by
// hand and the grid re-placed by a step (players without input stand still).

const RADIUS = 1000;
const HYSTERESIS = 100;

function setup() {
  const world = arenaWorld({
    seed: 3,
    worldSize: 8000,
    aoiRadius: RADIUS,
    aoiHysteresis: HYSTERESIS,
    aoiFarInterval: 2,
  });
  // The room's serializer gives the state its ref ids (views and frames work by them).
  new SchemaSerializer<any>().reset(world.state);
  const interest = world.sim.core.interest!;
  const views = new Map<string, StateView>();
  const join = (id: string, x: number, y: number) => {
    const p = world.addPlayer(id, id);
    p.x = x;
    p.y = y;
    interest.sync();
    const view = new StateView();
    views.set(id, view);
    interest.addViewer(id, view);
    return p;
  };
  const leave = (id: string) => world.removePlayer(id);
  const moveTo = (id: string, x: number, y: number) => {
    const p = world.state.players.get(id)!;
    p.x = x;
    p.y = y;
    world.step();
  };
  const ref = (id: string) => (world.state.players.get(id) as unknown as Record<symbol, number>)[$refId]!;
  const rings = (id: string) => {
    const i = interest.interestOf(id)!;
    return { near: Array.from(i.near), far: Array.from(i.far), refresh: [...i.refresh] };
  };
  return { world, interest, views, join, leave, moveTo, ref, rings };
}

describe("interest management (the arena on the engine, real StateViews, no sockets)", () => {
  it("enters within radius - hysteresis, stays until beyond radius, and splits the view into rings", () => {
    const t = setup();
    t.join("v", 4000, 4000);
    t.join("a", 4000 + RADIUS - HYSTERESIS / 2, 4000); // between the two radii: not yet in
    expect(t.interest.update()).toEqual({ entered: 0, left: 0 });
    expect(t.interest.heldBy("v")).toBe(1);

    t.moveTo("a", 4000 + RADIUS - HYSTERESIS - 10, 4000);
    expect(t.interest.update()).toEqual({ entered: 2, left: 0 }); // each sees the other
    expect(t.rings("v").far).toEqual([t.ref("a")]);
    const treeOf = (id: string) => (t.world.state.players.get(id) as unknown as Record<symbol, never>)[$changes]!;
    expect(t.views.get("v")!.isChangeTreeVisible(treeOf("a"))).toBe(true);

    t.moveTo("a", 4000 + RADIUS - 10, 4000); // in the hysteresis band: stays
    expect(t.interest.update()).toEqual({ entered: 0, left: 0 });
    t.moveTo("a", 4000 + RADIUS / 4, 4000); // inwards: near, with a catch-up
    t.interest.update();
    expect(t.rings("v")).toEqual({ near: [t.ref("v"), t.ref("a")], far: [], refresh: [t.ref("a")] });
    t.moveTo("a", 4000 + RADIUS + 10, 4000); // out
    expect(t.interest.update()).toEqual({ entered: 0, left: 2 });
    expect(t.interest.heldBy("v")).toBe(1);
    expect(t.views.get("v")!.isChangeTreeVisible(treeOf("a"))).toBe(false);
  });

  it("a player that joins into a slot freed by one that left is still introduced", () => {
    const t = setup();
    t.join("v", 1000, 1000);
    t.join("a", 1200, 1000);
    t.interest.update();
    expect(t.rings("v").near).toEqual([t.ref("v"), t.ref("a")]);
    t.leave("a");
    // At once: no more frames for the player that left.
    expect(t.rings("v").near).toEqual([t.ref("v")]);
    // The newcomer takes the freed grid slot, at the same place.
    t.join("c", 1200, 1000);
    expect(t.interest.grid.entryOf(t.world.state.players.get("c")!)!.slot).toBe(1);
    expect(t.interest.update()).toEqual({ entered: 2, left: 0 });
    expect(t.rings("v").near).toEqual([t.ref("v"), t.ref("c")]);
  });

  it("every view holds exactly the players within range, for many players moving at random", () => {
    const t = setup();
    const rng = createRng(11).next;
    const ids = Array.from({ length: 60 }, (_, i) => `p${i}`);
    for (const id of ids) t.join(id, rng() * 8000, rng() * 8000);
    for (let round = 0; round < 20; round++) {
      for (const id of ids) {
        const p = t.world.state.players.get(id)!;
        p.x = Math.min(7990, Math.max(10, p.x + (rng() - 0.5) * 600));
        p.y = Math.min(7990, Math.max(10, p.y + (rng() - 0.5) * 600));
      }
      t.world.step();
      t.interest.update();
      for (const id of ids) {
        const me = t.world.state.players.get(id)!;
        const held = new Set([...t.rings(id).near, ...t.rings(id).far]);
        for (const other of ids) {
          const p = t.world.state.players.get(other)!;
          const d = Math.hypot(p.x - me.x, p.y - me.y);
          if (other === id || d <= RADIUS - HYSTERESIS)
            expect(held.has(t.ref(other)), `${id} holds ${other} at ${d}`).toBe(true);
          if (d > RADIUS) expect(held.has(t.ref(other)), `${id} must not hold ${other} at ${d}`).toBe(false);
        }
      }
    }
  });
});
