import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  joinArenaById,
  joinArena,
  createArena,
  TickwireClient,
  Buttons,
  SIM,
  type ArenaConnection,
  type ShotsBroadcast,
} from "@tickwire/example-arena/client";
import { inspectRoom, metricValue, useServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// A small world and radius keep the walks short: 1500 x 1500 units, views of 400 units.
const RADIUS = 400;
const HYSTERESIS = 50;
const PATCH_HZ = 20;
const fx = useServer({
  WORLD_SIZE: "1500",
  AOI_RADIUS: String(RADIUS),
  AOI_HYSTERESIS: String(HYSTERESIS),
  PATCH_HZ: String(PATCH_HZ),
});

// Membership is re-derived with every reliable patch; between two patches a player can cover
// MAX_SPEED / PATCH_HZ units, and the two positions compared are each up to that old.
const SLACK = (2 * SIM.MAX_SPEED) / PATCH_HZ;

const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);

/** Sends `who` towards `target()` at 30 Hz until `done()` holds. */
async function walk(
  who: ArenaConnection,
  target: () => { x: number; y: number },
  done: () => boolean,
  what: string,
): Promise<void> {
  const timer = setInterval(() => {
    const me = who.self!;
    const t = target();
    const d = dist(me, t);
    if (d < 20) return void who.sendInput({ moveX: 0, moveY: 0 });
    who.sendInput({ moveX: (t.x - me.x) / d, moveY: (t.y - me.y) / d });
  }, 1000 / 30);
  try {
    await waitFor(done, what, 20_000);
  } finally {
    clearInterval(timer);
    who.sendInput({ moveX: 0, moveY: 0 });
  }
}

/** The corner of the world furthest from `p`. */
const farCorner = (p: { x: number; y: number }) => ({ x: p.x < 750 ? 1450 : 50, y: p.y < 750 ? 1450 : 50 });

describe("interest management with real clients", () => {
  let errors: string[];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
      errors.push(args.map(String).join(" "));
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it("a player outside a client's radius is never in its state; walking in adds it, walking out removes it, each event once", async () => {
    const client = new TickwireClient(fx.server.wsUrl);
    const watcher = await joinArena(client, { name: "watcher" });
    const walker = await joinArenaById(client, watcher.roomId, { name: "walker" });
    fx.keep(watcher, walker);
    await waitFor(() => watcher.self && walker.self, "both to have their own player");
    const id = walker.sessionId;
    expect(watcher.state.viewRadius).toBe(RADIUS);

    // Every state the watcher applies is checked: the walker may be in it only within the radius.
    const violations: number[] = [];
    watcher.on("state", (s) => {
      const seen = s.players.get(id);
      const me = s.players.get(watcher.sessionId);
      if (seen && me && dist(seen, me) > RADIUS + SLACK) violations.push(dist(seen, me));
    });

    // Start from far apart: the walker goes to the corner furthest from the watcher.
    await walk(
      walker,
      () => farCorner(watcher.self!),
      () => dist(walker.self!, watcher.self!) > RADIUS + SLACK && !watcher.state.players.has(id),
      "the walker to be out of view",
    );
    const enters: string[] = [];
    const leaves: string[] = [];
    watcher.on("enterView", (_p, who) => enters.push(who));
    watcher.on("leaveView", (_p, who) => leaves.push(who));
    // The walker sees the watcher no more than the other way round.
    expect(walker.state.players.has(watcher.sessionId)).toBe(false);
    expect([...watcher.state.players.keys()]).toEqual([watcher.sessionId]);

    // In: the walker approaches to half the radius and stands there.
    await walk(
      walker,
      () => watcher.self!,
      () => dist(walker.self!, watcher.self!) < RADIUS / 2,
      "the walker to come close",
    );
    await waitFor(
      () => watcher.state.players.has(id) && walker.state.players.has(watcher.sessionId),
      "each to see the other",
    );
    const held = watcher.state.players.get(id)!;
    await waitFor(() => dist(held, walker.self!) < 1, "the watcher's copy to match where the walker stands");
    expect(enters).toEqual([id]);
    expect(leaves).toEqual([]);

    // Out: back to the far corner.
    await walk(
      walker,
      () => farCorner(watcher.self!),
      () => dist(walker.self!, watcher.self!) > RADIUS + SLACK && !watcher.state.players.has(id),
      "the walker to leave the view",
    );
    expect(enters).toEqual([id]);
    expect(leaves).toEqual([id]);
    expect(violations).toEqual([]);
    expect(errors.filter((e) => e.includes("refId"))).toEqual([]);
    expect(await metricValue(fx.server, "tickwire_interest_changes_total", 'kind="enter"')).toBeGreaterThanOrEqual(2);
    expect(await metricValue(fx.server, "tickwire_interest_changes_total", 'kind="leave"')).toBeGreaterThanOrEqual(2);
    // The monitor's room view shows what each client holds: each only itself now.
    const room = await inspectRoom(fx.server, watcher.roomId);
    expect(room.unreliable.clients.map((c: { entitiesHeld: number }) => c.entitiesHeld)).toEqual([1, 1]);

    // A shot fired out there, away from the watcher, reaches the shooter and not the watcher.
    const watcherShots: ShotsBroadcast[] = [];
    const walkerShots: ShotsBroadcast[] = [];
    watcher.on("shots", (s) => watcherShots.push(s));
    walker.on("shots", (s) => walkerShots.push(s));
    const away = Math.atan2(walker.self!.y - watcher.self!.y, walker.self!.x - watcher.self!.x);
    const fire = setInterval(
      () => walker.sendInput({ moveX: 0, moveY: 0, aim: away, buttons: Buttons.FIRE }),
      1000 / 30,
    );
    try {
      await waitFor(() => walkerShots.length >= 3, "the walker's own shots");
    } finally {
      clearInterval(fire);
    }
    // The watcher's socket carries everything sent before a later reply; a chat round trip flushes it.
    const heard = new Promise<void>((r) => watcher.on("chat", () => r()));
    walker.chat("over here");
    await heard;
    expect(watcherShots).toEqual([]);
  });

  it("each client holds exactly the players in range, with their current positions, a late joiner included", async () => {
    const client = new TickwireClient(fx.server.wsUrl);
    const first = await createArena(client, { name: "first" });
    const group = [
      first,
      ...(await Promise.all(
        Array.from({ length: 3 }, (_, i) => joinArenaById(client, first.roomId, { name: `p${i}` })),
      )),
    ];
    fx.keep(...group);
    await waitFor(() => group.every((c) => c.self), "everyone's own player");
    // The group gathers around the centre (spawns are at least 600 units apart, beyond the radius).
    const centre = { x: 750, y: 750 };
    await Promise.all(
      group.map((c) =>
        walk(
          c,
          () => centre,
          () => dist(c.self!, centre) < 100,
          `${c.sessionId} at the centre`,
        ),
      ),
    );
    // The spawn rules keep the late joiner at least 600 units from everyone: out of range.
    const late = await joinArenaById(client, first.roomId, { name: "late" });
    fx.keep(late);
    const all = [...group, late];
    await waitFor(() => late.self, "the late joiner's own player");
    const tick = first.state.tick;
    await waitFor(() => first.state.tick > tick + 4, "a few ticks (two patches)");
    const outcome = { held: 0, absent: 0 };
    for (const c of all) {
      const me = c.self!;
      for (const other of all) {
        if (other === c) continue;
        const truth = other.self!;
        const d = dist(me, truth);
        const held = c.state.players.get(other.sessionId);
        // Clearly inside: held, where it really is. Clearly outside: absent.
        if (d < RADIUS - HYSTERESIS - SLACK) {
          expect(held && dist(held, truth) < 1, `${c.sessionId} sees ${other.sessionId} at ${d.toFixed(0)}`).toBe(true);
          outcome.held++;
        }
        if (d > RADIUS + SLACK) {
          expect(held, `${c.sessionId} must not hold ${other.sessionId} at ${d.toFixed(0)}`).toBeUndefined();
          outcome.absent++;
        }
      }
    }
    // The group of four see each other (12 pairs); the late joiner and the group do not.
    expect(outcome.held).toBeGreaterThanOrEqual(12);
    expect(outcome.absent).toBeGreaterThanOrEqual(2);
    expect(errors.filter((e) => e.includes("refId"))).toEqual([]);
  });
});
