import { describe, expect, it } from "vitest";
import { joinArenaById, createArena, TickwireClient } from "@tickwire/example-arena/client";
import { useServer } from "../helpers/server.ts";
import { elapse, waitFor } from "../helpers/wait.ts";

// First sight, with the server's default settings (interest management on, default world and
// view): two players who join an empty arena hold each other within a second, both ways.

const ctx = useServer();

describe("first sight with default settings", () => {
  it("the second joiner of an arena holds the first within a second, and the first holds the second", async () => {
    const client = new TickwireClient(ctx.server.wsUrl);
    // Several fresh arenas: spawn points are random, so one pair could pass by luck.
    for (let round = 0; round < 5; round++) {
      const ada = await createArena(client, { name: `ada${round}` });
      ctx.keep(ada);
      await elapse(300);
      const bob = await joinArenaById(client, ada.roomId, { name: `bob${round}` });
      ctx.keep(bob);
      await waitFor(() => bob.state.players?.has(ada.sessionId), `round ${round}: bob to hold ada`, 1000, 10);
      await waitFor(() => ada.state.players?.has(bob.sessionId), `round ${round}: ada to hold bob`, 1000, 10);
      expect(bob.state.players.get(ada.sessionId)!.name).toBe(`ada${round}`);
      expect(ada.state.players.get(bob.sessionId)!.name).toBe(`bob${round}`);
      await Promise.all([ada.leave(), bob.leave()]);
    }
  });
});
