import { describe, expect, it } from "vitest";
import {
  joinArenaById,
  joinArena,
  TickwireClient,
  Buttons,
  COMBAT,
  type ShotsBroadcast,
} from "@tickwire/example-arena/client";
import { SEE_ALL, useServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// Everyone in view: the subject here is combat, not interest management.
const fx = useServer({ WORLD_SIZE: "1500", ...SEE_ALL });

describe("combat through the client SDK", () => {
  it("a player walks up to another, fires, hits until the kill; everyone sees the shots, the feed and the score", async () => {
    const client = new TickwireClient(fx.server.wsUrl);
    const ada = await joinArena(client, { name: "ada" });
    const bob = await joinArenaById(client, ada.roomId, { name: "bob" });
    fx.keep(ada, bob);
    await waitFor(() => ada.state.players.get(bob.sessionId) && bob.self, "both to see each other");
    expect(ada.state.width).toBe(1500);
    const bobSaw: ShotsBroadcast[] = [];
    bob.on("shots", (s) => bobSaw.push(s));

    // Ada closes in to 300 units, then stands and fires at bob.
    const timer = setInterval(() => {
      const me = ada.self!;
      const target = ada.state.players.get(bob.sessionId)!;
      const dx = target.x - me.x;
      const dy = target.y - me.y;
      const dist = Math.hypot(dx, dy);
      const aim = Math.atan2(dy, dx);
      if (dist > 300) ada.sendInput({ moveX: dx / dist, moveY: dy / dist, aim });
      else ada.sendInput({ moveX: 0, moveY: 0, aim, buttons: target.alive ? Buttons.FIRE : 0 });
    }, 1000 / 30);
    try {
      await waitFor(() => bob.self!.alive === false, "bob to die", 20_000);
    } finally {
      clearInterval(timer);
    }
    const hits = bobSaw.flatMap((s) => s.shots).filter((s) => s.shooter === ada.sessionId && s.hit === bob.sessionId);
    expect(hits.length).toBe(COMBAT.MAX_HEALTH / COMBAT.WEAPON_DAMAGE);
    await waitFor(() => bob.state.killFeed.length === 1, "the kill feed");
    expect(bob.state.killFeed.at(0)).toMatchObject({
      killer: ada.sessionId,
      killerName: "ada",
      victim: bob.sessionId,
      victimName: "bob",
    });
    expect(bob.state.scoreboard.at(0)).toMatchObject({ id: ada.sessionId, score: COMBAT.KILL_SCORE, kills: 1 });
    expect(bob.self!.deaths).toBe(1);
    // Bob comes back after the respawn delay, at full health.
    await waitFor(() => bob.self!.alive, "bob to respawn", 10_000);
    expect(bob.self!.health).toBe(COMBAT.MAX_HEALTH);
  }, 40_000);
});
