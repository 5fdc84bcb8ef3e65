import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import {
  joinArenaById,
  joinArena,
  TickwireClient,
  CloseCodes,
  type ArenaConnection,
} from "@tickwire/example-arena/client";
import { ArenaState } from "@tickwire/example-arena/shared";
import { SEE_ALL, startServer, metricValue, inspectRoom, type RunningServer } from "../helpers/server.ts";
import { TcpProxy } from "../../loadtest/src/tcpProxy.ts";
import { waitFor, elapse } from "../helpers/wait.ts";
import { drive } from "../helpers/drive.ts";

const TICK_HZ = 30;
const PATCH_HZ = 20;
const MAX_FRAMES_IN_FLIGHT = 32;
const RELIABLE_BACKLOG_BYTES = 64 * 1024;

/** The unreliable fields of every player, as one client holds them at one tick. */
interface Snapshot {
  tick: number;
  players: Map<string, { x: number; y: number; vx: number; vy: number; aim: number }>;
}

/** Records a client's state each time its tick advances (each unreliable frame applied). */
function record(conn: ArenaConnection): Snapshot[] {
  const out: Snapshot[] = [];
  conn.on("state", (s) => {
    if (out.length > 0 && out[out.length - 1]!.tick === s.tick) return;
    const players = new Map<string, Snapshot["players"] extends Map<string, infer V> ? V : never>();
    for (const [id, p] of s.players) players.set(id, { x: p.x, y: p.y, vx: p.vx, vy: p.vy, aim: p.aim });
    out.push({ tick: s.tick, players });
  });
  return out;
}

describe("a client that stops reading its socket for 2 s while players move", () => {
  let server: RunningServer;
  let proxy: TcpProxy;
  const open: ArenaConnection[] = [];
  const stops: Array<() => void> = [];
  let slowFrames: Snapshot[];
  let healthyFrames: Snapshot[];
  let resumeTick = 0;
  let stallStartTick = 0;
  let stopper = "";
  let droppedBefore = 0;
  let droppedAfter = 0;
  let keyframesAfter = 0;
  const duringStall: any[] = [];
  let healthyId = "";
  let healthyBefore: any;
  let slowId = "";

  beforeAll(async () => {
    server = await startServer({
      ...SEE_ALL,
      TICK_HZ: String(TICK_HZ),
      PATCH_HZ: String(PATCH_HZ),
      UNRELIABLE_MAX_FRAMES_IN_FLIGHT: String(MAX_FRAMES_IN_FLIGHT),
      RELIABLE_BACKLOG_BYTES: String(RELIABLE_BACKLOG_BYTES),
    });
    proxy = await TcpProxy.start({ targetPort: server.port });
    const direct = new TickwireClient(server.wsUrl);
    const slow = await joinArena(new TickwireClient(proxy.endpoint), { name: "slow" });
    const healthy = await joinArenaById(direct, slow.roomId, { name: "healthy" });
    const movers = [];
    for (let i = 0; i < 3; i++) movers.push(await joinArenaById(direct, slow.roomId, { name: `mover${i}` }));
    open.push(slow, healthy, ...movers);
    slowId = slow.sessionId;
    healthyId = healthy.sessionId;
    await waitFor(() => slow.state.players.size === 5 && healthy.state.players.size === 5, "everyone to see everyone");

    // Movers go back and forth with changing aim; mover 2 stops partway through the stall.
    let moving2 = true;
    stops.push(
      drive(movers[0]!, (t) => ({ moveX: Math.sin(t / 15), moveY: Math.cos(t / 15), aim: t / 10 })),
      drive(movers[1]!, (t) => ({ moveX: Math.cos(t / 9), moveY: -Math.sin(t / 9), aim: -t / 7 })),
      drive(movers[2]!, (t) =>
        moving2 ? { moveX: 1, moveY: Math.sin(t / 5), aim: t / 3 } : { moveX: 0, moveY: 0, aim: 1 },
      ),
    );
    stopper = movers[2]!.sessionId;
    slowFrames = record(slow);
    healthyFrames = record(healthy);
    await elapse(500);

    droppedBefore = await metricValue(server, "tickwire_unreliable_frames_dropped_total", 'reason="window"');
    healthyBefore = (await inspectRoom(server, slow.roomId)).unreliable.clients.find(
      (c: any) => c.sessionId === healthyId,
    );
    stallStartTick = healthy.state.tick;
    proxy.pauseDownstream();
    for (let i = 0; i < 8; i++) {
      await elapse(250);
      duringStall.push(await inspectRoom(server, slow.roomId));
      if (i === 2) moving2 = false;
    }
    resumeTick = healthy.state.tick;
    proxy.resumeDownstream();
    await waitFor(
      () => slowFrames.filter((f) => f.tick > resumeTick).length >= 10,
      "the slow client to get 10 fresh frames",
    );
    droppedAfter = await metricValue(server, "tickwire_unreliable_frames_dropped_total", 'reason="window"');
    keyframesAfter = await metricValue(server, "tickwire_unreliable_frames_sent_total", 'kind="keyframe"');
  }, 60_000);

  afterAll(async () => {
    for (const stop of stops) stop();
    await Promise.allSettled(open.map((c) => c.leave()));
    await proxy?.close();
    await server?.stop();
  });

  it("drops (and counts) the frames it cannot take, with memory bounded by the limits", () => {
    // Two seconds at 30 Hz is 60 flushes; all but the few already in flight are dropped.
    expect(droppedAfter - droppedBefore).toBeGreaterThan(30);
    expect(keyframesAfter).toBeGreaterThanOrEqual(1);
    for (const snap of duringStall) {
      const mine = snap.unreliable.clients.find((c: any) => c.sessionId === slowId);
      expect(mine.framesInFlight).toBeLessThanOrEqual(MAX_FRAMES_IN_FLIGHT);
      expect(mine.backlogBytes).toBeLessThanOrEqual(RELIABLE_BACKLOG_BYTES);
    }
    const last = duringStall[duringStall.length - 1];
    expect(last.unreliable.clients.find((c: any) => c.sessionId === slowId).needsKeyframe).toBe(true);
    expect(last.unreliable.framesDropped).toBeGreaterThan(0);
  });

  it("after it resumes, its state equals the server's within 3 flushes", () => {
    const fresh = slowFrames.filter((f) => f.tick > resumeTick);
    const truth = new Map(healthyFrames.map((f) => [f.tick, f]));
    // From the third fresh frame on, every unreliable field matches what the healthy client
    // holds for the same tick.
    for (const frame of fresh.slice(2)) {
      const expected = truth.get(frame.tick);
      if (!expected) continue;
      expect(frame.players.size).toBe(expected.players.size);
      for (const [id, p] of frame.players)
        expect(p, `player ${id} at tick ${frame.tick}`).toEqual(expected.players.get(id));
    }
    expect(fresh.slice(2).filter((f) => truth.has(f.tick)).length).toBeGreaterThan(3);
  });

  it("a player that moved, then stopped while the frames were dropped, ends at the right place", () => {
    // The slow client's newest frame whose tick the healthy client also applied (a client's
    // ticks can skip one when the server runs two steps back to back).
    const truth = new Map(healthyFrames.map((f) => [f.tick, f]));
    const last = [...slowFrames].reverse().find((f) => truth.has(f.tick))!;
    expect(last.tick).toBeGreaterThan(resumeTick);
    const expected = truth.get(last.tick)!;
    const atRest = last.players.get(stopper)!;
    expect(atRest).toEqual(expected.players.get(stopper));
    expect(atRest.vx).toBe(0);
    expect(atRest.vy).toBe(0);
    // It did move during the stall: the slow client's view before the stall differs.
    const before = slowFrames.filter((f) => f.tick <= stallStartTick).pop()!;
    expect(before.players.get(stopper)!.x).not.toBe(atRest.x);
  });

  it("a healthy client in the same room misses no flush meanwhile", () => {
    // Counted by the server: every flush during the stall went out to the healthy client. (Its
    // frames' ticks may still skip one when the server's own timer runs two steps back to back.)
    const healthy = duringStall[duringStall.length - 1].unreliable.clients.find((c: any) => c.sessionId === healthyId);
    // None on a quiet machine. When the whole machine stalls (two test workers, servers and
    // browsers on two cores), a healthy client's ack can come late enough for its window to
    // hold back a few frames (4 of 60 seen in a full parallel run); the stalled client loses
    // all but a few of its 60.
    expect(healthy.framesDropped - healthyBefore.framesDropped).toBeLessThanOrEqual(6);
    expect(healthy.framesSent - healthyBefore.framesSent).toBeGreaterThan(40);
    // And applied by the client, in order.
    const during = healthyFrames.filter((f) => f.tick >= stallStartTick && f.tick <= resumeTick);
    expect(during.length).toBeGreaterThan(40);
    for (let i = 1; i < during.length; i++) expect(during[i]!.tick).toBeGreaterThan(during[i - 1]!.tick);
  });
});

describe("a client whose reliable backlog passes the limit", () => {
  let server: RunningServer;
  let proxy: TcpProxy;
  const open: ArenaConnection[] = [];

  beforeAll(async () => {
    server = await startServer({
      ...SEE_ALL,
      RELIABLE_BACKLOG_BYTES: String(RELIABLE_BACKLOG_BYTES),
      MAX_MESSAGES_PER_SECOND: "100000",
      CHAT_MESSAGES_PER_SECOND: "100000",
      CHAT_BURST: "100000",
    });
    proxy = await TcpProxy.start({ targetPort: server.port });
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.leave()));
    await proxy?.close();
    await server?.stop();
  });

  it("is closed with BACKLOG_OVERFLOW, reconnects through the SDK and ends with the full, correct state", async () => {
    const slow = await joinArena(new TickwireClient(proxy.endpoint), { name: "slow" });
    const chatty = await joinArenaById(new TickwireClient(server.wsUrl), slow.roomId, { name: "chatty" });
    open.push(slow, chatty);
    await waitFor(() => slow.state.players.size === 2, "slow to see chatty");
    const drops: number[] = [];
    let reconnected = false;
    slow.on("dropped", (code) => drops.push(code));
    slow.on("reconnected", () => {
      reconnected = true;
    });
    const sessionId = slow.sessionId;

    // While the slow client reads nothing, things change: a third player joins, chatty moves.
    proxy.pauseDownstream();
    const late = await joinArenaById(new TickwireClient(server.wsUrl), slow.roomId, { name: "late" });
    open.push(late);
    const stop = drive(chatty, () => ({ moveX: 1, moveY: 1 }));
    // Chat is reliable: the lines pile up for the slow client, first in the kernel's socket
    // buffers, then in the server's own backlog, until it passes the limit.
    const line = "x".repeat(200);
    try {
      await waitFor(
        async () => {
          for (let i = 0; i < 200; i++) chatty.chat(line);
          return (await metricValue(server, "tickwire_backpressure_closes_total")) >= 1;
        },
        "the backlog close",
        30_000,
        50,
      );
    } finally {
      stop();
    }
    // The close frame waits behind the backlog; it reaches the client if it reads again before
    // uWS gives up on the closing socket (a client that never does sees 1006 instead).
    proxy.resumeDownstream();

    await waitFor(() => reconnected, "the SDK to reconnect", 20_000);
    expect(drops).toContain(CloseCodes.BACKLOG_OVERFLOW);
    expect(slow.closed).toBe(false);
    expect(slow.sessionId).toBe(sessionId);
    expect(await metricValue(server, "tickwire_client_closes_total", `code="${CloseCodes.BACKLOG_OVERFLOW}"`)).toBe(1);

    // Full state: everyone, at the same place as a client that never fell behind sees them.
    await waitFor(() => slow.state.players.size === 3, "the full player list");
    await waitFor(() => {
      if (slow.state.tick !== chatty.state.tick) return false;
      for (const [id, p] of chatty.state.players) {
        const mine = slow.state.players.get(id);
        if (!mine || mine.x !== p.x || mine.y !== p.y || mine.name !== p.name) return false;
      }
      return true;
    }, "the reconnected state to match");
  }, 60_000);
});

describe("a stock Colyseus SDK client (no acknowledgements)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(SEE_ALL);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("still receives the unreliable fields, gated by its socket backlog", async () => {
    const mover = await joinArena(new TickwireClient(server.wsUrl), { name: "mover" });
    const stock = await new Client(server.wsUrl).joinById(mover.roomId, { name: "stock" }, ArenaState);
    try {
      await waitFor(() => stock.state.players?.get(mover.sessionId), "stock to see the mover");
      const x0 = stock.state.players.get(mover.sessionId)!.x;
      const tick0 = stock.state.tick;
      const stop = drive(mover, () => ({ moveX: x0 > 1000 ? -1 : 1, moveY: 0 }));
      try {
        await waitFor(
          () => Math.abs(stock.state.players.get(mover.sessionId)!.x - x0) > 50,
          "the mover to move on the stock client",
        );
      } finally {
        stop();
      }
      await waitFor(() => stock.state.tick > tick0 + 15, "the tick to advance on the stock client");
      const room = await inspectRoom(server, mover.roomId);
      const entry = room.unreliable.clients.find((c: any) => c.sessionId === stock.sessionId);
      expect(entry.acking).toBe(false);
      expect(entry.framesSent).toBeGreaterThan(10);
      expect(room.unreliable.clients.find((c: any) => c.sessionId === mover.sessionId).acking).toBe(true);
    } finally {
      await stock.leave();
      await mover.leave();
    }
  });
});

describe("the ws fallback transport (TRANSPORT=ws)", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({ TRANSPORT: "ws", ...SEE_ALL });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("carries the same unreliable channel, with acknowledgements", async () => {
    const client = new TickwireClient(server.wsUrl);
    const mover = await joinArena(client, { name: "mover" });
    const watcher = await joinArenaById(client, mover.roomId, { name: "watcher" });
    try {
      await waitFor(() => watcher.state.players.get(mover.sessionId), "the watcher to see the mover");
      const x0 = watcher.state.players.get(mover.sessionId)!.x;
      const stop = drive(mover, () => ({ moveX: x0 > 1000 ? -1 : 1, moveY: 0 }));
      try {
        await waitFor(
          () => Math.abs(watcher.state.players.get(mover.sessionId)!.x - x0) > 50,
          "the mover to move on the watcher",
        );
      } finally {
        stop();
      }
      expect(watcher.counters.unreliableFrames).toBeGreaterThan(3);
      const room = await inspectRoom(server, mover.roomId);
      expect(room.unreliable.clients.every((c: any) => c.acking)).toBe(true);
    } finally {
      await watcher.leave();
      await mover.leave();
    }
  });
});
