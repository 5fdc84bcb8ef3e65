import { afterAll, describe, expect, it } from "vitest";
import { joinArenaById, createArena, TickwireClient } from "@tickwire/example-arena/client";
import { TcpProxy } from "../../loadtest/src/tcpProxy.ts";
import { SEE_ALL, useServer } from "../helpers/server.ts";
import { elapse, waitFor } from "../helpers/wait.ts";

const proxies: TcpProxy[] = [];
// Registered before the server fixture, so it runs after it (hooks unwind as a stack): the
// clients leave through their proxies first.
afterAll(async () => {
  await Promise.allSettled(proxies.map((p) => p.close()));
});
const fx = useServer({ RECONNECT_WINDOW_SECONDS: "4", ...SEE_ALL });

async function proxy(delayMs = 0): Promise<TcpProxy> {
  const p = await TcpProxy.start({ targetPort: fx.server.port, delayMs });
  proxies.push(p);
  return p;
}

/** Quantized positions travel in steps of 0.125 units; prediction replays from them. */
const TOLERANCE = 0.5;

describe("client netcode over a 150 ms each-way path", () => {
  it("the predicted position moves on the input's own frame, and agrees with the server once it is acknowledged", async () => {
    const path = await proxy(150);
    const arena = await createArena(new TickwireClient(path.endpoint), { name: "ada" });
    fx.keep(arena);
    await waitFor(() => arena.predictor?.ready, "the first state");

    const before = arena.predicted()!;
    const serverBefore = arena.self!.x;
    const sentAt = performance.now();
    const seq = arena.sendInput({ moveX: 1, moveY: 0, aim: 0 });
    // Same frame: no await between the input and this read.
    expect(arena.predicted()!.x).toBeGreaterThan(before.x);
    expect(arena.self!.x).toBe(serverBefore);

    // Keep moving right for a second, then stand still.
    let moving = true;
    const stop = arena.startInputLoop(() => ({ moveX: moving ? 1 : 0, moveY: 0, aim: 0.5 }));
    await waitFor(() => arena.self!.lastProcessedInputSeq >= seq, "the first input acknowledged");
    const ackMs = performance.now() - sentAt;
    await elapse(1000);
    moving = false;
    const lastSeq = arena.lastSentSeq;
    await waitFor(
      () => arena.self!.lastProcessedInputSeq >= lastSeq + 15 && arena.self!.vx === 0,
      "the stop acknowledged, player at rest",
    );
    stop();
    const predicted = arena.predicted()!;
    const server = arena.self!;
    expect(ackMs).toBeGreaterThanOrEqual(300); // the path really was 300 ms round trip
    expect(server.x - serverBefore).toBeGreaterThan(100);
    expect(Math.abs(arena.predictor!.body.x - server.x)).toBeLessThan(TOLERANCE);
    expect(Math.abs(predicted.x - server.x)).toBeLessThan(TOLERANCE);
    expect(Math.abs(predicted.y - server.y)).toBeLessThan(TOLERANCE);

    const stats = arena.netStats();
    expect(stats.rttMs).toBeGreaterThanOrEqual(300);
    expect(stats.updatesPerSecond).toBeGreaterThan(15);
    expect(stats.unreliableFrames).toBeGreaterThan(30);
    expect(stats.downstreamBytesPerSecond).toBeGreaterThan(0);
    expect(stats.pendingInputs).toBeLessThanOrEqual(20);
    console.log("prediction over 2 x 150 ms:", JSON.stringify({ ackMs: Math.round(ackMs), ...stats }));
  });

  it("a watcher draws the other player between snapshots, a delay behind, never going backwards", async () => {
    const path = await proxy(150);
    const ada = await createArena(new TickwireClient(fx.server.wsUrl), { name: "ada" });
    const watcher = await joinArenaById(new TickwireClient(path.endpoint), ada.roomId, { name: "watcher" });
    fx.keep(ada, watcher);
    await waitFor(() => watcher.state.players.get(ada.sessionId), "watcher to see ada");
    // Over a 300 ms round trip the unreliable channel's window takes a moment to open.
    await waitFor(() => watcher.netStats().updatesPerSecond > 25, "frames at the tick rate", 15_000);
    const startX = watcher.state.players.get(ada.sessionId)!.x;
    const dir = startX < 2000 ? 1 : -1;
    const stop = ada.startInputLoop(() => ({ moveX: dir, moveY: 0, aim: 0 }));
    const drawn: number[] = [];
    const lags: number[] = [];
    try {
      for (let i = 0; i < 60; i++) {
        await elapse(16);
        const me = watcher.entities().find((e) => e.id === ada.sessionId)!;
        drawn.push(me.x * dir);
        lags.push(watcher.state.tick - watcher.renderTick());
      }
    } finally {
      stop();
    }
    // Moving one way the whole time: the drawn position never goes back.
    for (let i = 1; i < drawn.length; i++) expect(drawn[i]!).toBeGreaterThanOrEqual(drawn[i - 1]!);
    expect(drawn.at(-1)! - drawn[0]!).toBeGreaterThan(50);
    // Drawn about three ticks behind the newest state received.
    const meanLag = lags.reduce((a, b) => a + b, 0) / lags.length;
    expect(meanLag).toBeGreaterThan(1.5);
    expect(meanLag).toBeLessThan(5);
  });
});

describe("reconnection", () => {
  it("after a network drop: dropped, reconnecting, reconnected; prediction resumes with no duplicate players", async () => {
    const path = await proxy();
    const ada = await createArena(new TickwireClient(path.endpoint), { name: "ada" });
    const other = await joinArenaById(new TickwireClient(fx.server.wsUrl), ada.roomId, { name: "other" });
    const gone = await joinArenaById(new TickwireClient(fx.server.wsUrl), ada.roomId, { name: "gone" });
    fx.keep(ada, other);
    await waitFor(() => ada.state.players.size === 3 && ada.entities().length === 3, "all three players");
    const seen: string[] = [];
    for (const e of ["dropped", "reconnecting", "reconnected", "reconnectFailed", "leave"] as const)
      ada.on(e, () => seen.push(e));
    const adds: string[] = [];
    const removes: string[] = [];
    ada.on("playerAdd", (_p, id) => adds.push(id));
    ada.on("playerRemove", (_p, id) => removes.push(id));

    // The network drops; meanwhile one of the others leaves the room.
    path.dropAll();
    await gone.leave();
    await waitFor(() => seen.includes("reconnected"), "reconnected");
    expect(seen.slice(0, 3)).toEqual(["dropped", "reconnecting", "reconnected"]);
    await waitFor(() => ada.predictor?.ready && ada.state.players.size === 2 && removes.length > 0, "state again");

    // Each player once: the two still there are not added again, the one who left is removed.
    const ids = ada.entities().map((e) => e.id);
    expect(ids.sort()).toEqual([ada.sessionId, other.sessionId].sort());
    expect(adds).toEqual([]);
    expect(removes).toEqual([gone.sessionId]);

    // Prediction resumes: the input moves the predicted player at once, and the server follows.
    const x0 = ada.self!.x;
    const p0 = ada.predicted()!.x;
    const dir = x0 < 2000 ? 1 : -1;
    ada.sendInput({ moveX: dir, moveY: 0 });
    expect((ada.predicted()!.x - p0) * dir).toBeGreaterThan(0);
    const stop = ada.startInputLoop(() => ({ moveX: dir, moveY: 0 }));
    try {
      await waitFor(() => (other.state.players.get(ada.sessionId)!.x - x0) * dir > 50, "the others see it move");
    } finally {
      stop();
    }
    expect(seen).not.toContain("reconnectFailed");
  });

  it("when the server cannot be reached again: reconnectFailed, then leave", async () => {
    const path = await proxy();
    const ada = await createArena(new TickwireClient(path.endpoint, { maxReconnectAttempts: 2 }), { name: "ada" });
    fx.keep(ada);
    await waitFor(() => ada.predictor?.ready, "the first state");
    const seen: string[] = [];
    for (const e of ["dropped", "reconnecting", "reconnected", "reconnectFailed", "leave"] as const)
      ada.on(e, () => seen.push(e));
    await path.close();
    await waitFor(() => seen.includes("leave"), "leave", 15_000);
    expect(seen, seen.join()).toEqual(["dropped", "reconnecting", "reconnecting", "reconnectFailed", "leave"]);
    expect(ada.closed).toBe(true);
    expect(ada.connected).toBe(false);
  });
});
