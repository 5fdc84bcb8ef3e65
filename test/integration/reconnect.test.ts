import { describe, expect, it } from "vitest";
import { reconnectArena, joinArenaById, joinArena, TickwireClient, CloseCodes } from "@tickwire/example-arena/client";
import { SEE_ALL, useServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

const fx = useServer({ RECONNECT_WINDOW_SECONDS: "3", ...SEE_ALL });

async function joinPair() {
  // Ada's client does not reconnect by itself: these tests take the seat back by token, as a
  // game does after a page reload (automatic reconnection is tested in netcode.test.ts).
  const client = new TickwireClient(fx.server.wsUrl, { maxReconnectAttempts: 0 });
  const ada = await joinArena(client, { name: "ada" });
  const watcher = await joinArenaById(new TickwireClient(fx.server.wsUrl), ada.roomId, { name: "watcher" });
  fx.keep(ada, watcher);
  await waitFor(() => watcher.state.players.get(ada.sessionId), "watcher to see ada");
  return { client, ada, watcher };
}

describe("leave and reconnect", () => {
  it("a dropped client takes its seat back with the same sessionId", async () => {
    const { client, ada, watcher } = await joinPair();
    const token = ada.reconnectionToken;
    const sessionId = ada.sessionId;

    // Not consented: the socket just goes away, as on a network drop.
    await ada.room.leave(false);
    await waitFor(() => watcher.state.players.get(sessionId)?.connected === false, "ada marked disconnected");

    const back = await reconnectArena(client, token);
    fx.keep(back);
    expect(back.sessionId).toBe(sessionId);
    expect(back.roomId).toBe(ada.roomId);
    await waitFor(() => watcher.state.players.get(sessionId)?.connected === true, "ada marked connected again");
    await waitFor(() => back.self, "own state after reconnect");
    expect(back.state.players.size).toBe(2);

    // The reconnected client is fully live: its inputs move it.
    const x0 = back.self!.x;
    const timer = setInterval(() => back.sendInput({ moveX: x0 > 1000 ? -1 : 1, moveY: 0 }), 1000 / 30);
    try {
      await waitFor(() => Math.abs(watcher.state.players.get(sessionId)!.x - x0) > 50, "reconnected player moves");
    } finally {
      clearInterval(timer);
    }
  });

  it("a consented leave removes the player at once and its token is refused", async () => {
    const { client, ada, watcher } = await joinPair();
    const token = ada.reconnectionToken;
    expect(await ada.leave()).toBe(CloseCodes.CONSENTED);
    await waitFor(() => !watcher.state.players.has(ada.sessionId), "ada removed");
    await expect(reconnectArena(client, token)).rejects.toThrow();
  });

  it("a drop past the reconnection window removes the player", async () => {
    const { ada, watcher } = await joinPair();
    await ada.room.leave(false);
    await waitFor(() => watcher.state.players.get(ada.sessionId)?.connected === false, "ada marked disconnected");
    await waitFor(() => !watcher.state.players.has(ada.sessionId), "ada removed after the window", 10_000);
  });
});
