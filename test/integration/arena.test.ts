import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { joinArenaById, joinArena, TickwireClient, type ArenaConnection } from "@tickwire/example-arena/client";
import {
  SEE_ALL,
  startServer,
  metricValue,
  MONITOR_USER,
  MONITOR_PASSWORD,
  type RunningServer,
} from "../helpers/server.ts";
import { waitFor, elapse } from "../helpers/wait.ts";
import { nativeUwsExpected } from "../helpers/native.ts";

let server: RunningServer;
const open: ArenaConnection[] = [];
/** When the server process was asked to start, and when it answered: its uptime lies between. */
let bootAskedAt = 0;
let bootDoneAt = 0;

beforeAll(async () => {
  bootAskedAt = Date.now();
  server = await startServer({ TICK_HZ: "30", PATCH_HZ: "20", ...SEE_ALL });
  bootDoneAt = Date.now();
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.leave()));
  await server?.stop();
});

async function join(name: string, roomId?: string): Promise<ArenaConnection> {
  const client = new TickwireClient(server.wsUrl);
  const c = roomId ? await joinArenaById(client, roomId, { name }) : await joinArena(client, { name });
  open.push(c);
  return c;
}

describe("arena over the real transport", () => {
  it("runs native uWebSockets.js exactly where a published binary fits this Node, and says which in one line", async () => {
    const health = await (await fetch(`${server.httpUrl}/healthz`)).json();
    const native = nativeUwsExpected();
    expect(health).toMatchObject({ status: "ok", transport: native ? "uws" : "ws" });
    await waitFor(() => /transport: /.test(server.output()), "the transport line");
    const lines = server.output().match(/transport: .*/g) ?? [];
    expect(lines).toHaveLength(1);
    const version = process.versions.node;
    if (native)
      expect(lines[0]).toMatch(new RegExp(`uWebSockets.js, native binding @[\\w./-]+@[\\d.]+.* for Node ${version}`));
    else
      expect(lines[0]).toMatch(
        new RegExp(`falling back to ws .*because no native uWebSockets.js binary fits Node ${version}`),
      );
  });

  it("two clients join one arena; one moves and the other sees it move", async () => {
    const ada = await join("ada");
    const bob = await join("bob", ada.roomId);
    expect(bob.roomId).toBe(ada.roomId);

    const added: string[] = [];
    bob.on("playerAdd", (_p, id) => added.push(id));
    await waitFor(() => bob.state.players.get(ada.sessionId), "bob to see ada");
    expect(bob.state.players.get(ada.sessionId)!.name).toBe("ada");

    const seen = bob.state.players.get(ada.sessionId)!;
    const startX = seen.x;
    const timer = setInterval(() => ada.sendInput({ moveX: startX > 1000 ? -1 : 1, moveY: 0 }), 1000 / 30);
    try {
      await waitFor(
        () => Math.abs(bob.state.players.get(ada.sessionId)!.x - startX) > 100,
        "ada to move 100 units in bob's view",
      );
    } finally {
      clearInterval(timer);
    }
    // The server acknowledged ada's inputs and replicated the acknowledgement.
    await waitFor(() => ada.self!.lastProcessedInputSeq > 0, "input acknowledgement");
    expect(ada.self!.lastProcessedInputSeq).toBeLessThanOrEqual(ada.lastSentSeq);

    const gone = new Promise<string>((r) => bob.on("playerRemove", (_p, id) => r(id)));
    await ada.leave();
    expect(await gone).toBe(ada.sessionId);
    await waitFor(() => !bob.state.players.has(ada.sessionId), "ada removed from bob's state");
  });

  it("advances the replicated tick counter at about TICK_HZ", async () => {
    const c = await join("counter");
    await waitFor(() => c.state.tick > 0, "first tick");
    const t0 = c.state.tick;
    const start = performance.now();
    await elapse(2000);
    const rate = (c.state.tick - t0) / ((performance.now() - start) / 1000);
    // Tolerant window: a shared two-core machine jitters, but 30 Hz is not 15 or 60.
    expect(rate).toBeGreaterThan(30 * 0.6);
    expect(rate).toBeLessThan(30 * 1.4);
    // The clock measured a round trip (NaN until it has).
    expect(Number.isFinite(c.latencyMs)).toBe(true);
    expect(c.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe("HTTP routes", () => {
  it("/monitor/ demands credentials and accepts the configured ones", async () => {
    const anon = await fetch(`${server.httpUrl}/monitor/`);
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toMatch(/^Basic/);
    const wrong = await fetch(`${server.httpUrl}/monitor/api`, {
      headers: { authorization: `Basic ${btoa(`${MONITOR_USER}:nope`)}` },
    });
    expect(wrong.status).toBe(401);
    const auth = { authorization: `Basic ${btoa(`${MONITOR_USER}:${MONITOR_PASSWORD}`)}` };
    expect((await fetch(`${server.httpUrl}/monitor/`, { headers: auth })).status).toBe(200);
    const api = await fetch(`${server.httpUrl}/monitor/api`, { headers: auth });
    expect(api.status).toBe(200);
    expect(await api.json()).toHaveProperty("rooms");
  });

  it("/healthz reports rooms and clients, /metrics serves the Prometheus text", async () => {
    const c = await join("metered");
    await waitFor(() => c.state.tick > 3, "a few ticks");
    const health = await (await fetch(`${server.httpUrl}/healthz`)).json();
    const now = Date.now();
    expect(health.rooms).toBeGreaterThanOrEqual(1);
    expect(health.clients).toBeGreaterThanOrEqual(1);
    // Whole seconds since the process started, which was between the two boot marks.
    expect(Number.isInteger(health.uptimeSeconds)).toBe(true);
    expect(health.uptimeSeconds).toBeLessThanOrEqual(Math.ceil((now - bootAskedAt) / 1000));
    expect(health.uptimeSeconds).toBeGreaterThanOrEqual(Math.floor((now - bootDoneAt) / 1000) - 1);

    const res = await fetch(`${server.httpUrl}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    for (const name of [
      "tickwire_tick_duration_seconds_bucket",
      "tickwire_tick_lateness_seconds_bucket",
      "tickwire_clients",
      "tickwire_rooms",
      "tickwire_clients_backlogged",
      "tickwire_backlog_bytes",
      "tickwire_backpressure_closes_total",
    ]) {
      expect(text).toContain(name);
    }
    expect(await metricValue(server, "tickwire_tick_duration_seconds_count")).toBeGreaterThan(0);
    expect(await metricValue(server, "tickwire_bytes_sent_total")).toBeGreaterThan(0);
    expect(await metricValue(server, "tickwire_bytes_received_total")).toBeGreaterThan(0);
    expect(await metricValue(server, "tickwire_messages_sent_total")).toBeGreaterThan(0);
    expect(await metricValue(server, "tickwire_messages_received_total")).toBeGreaterThan(0);
    expect(await metricValue(server, "tickwire_clients")).toBeGreaterThanOrEqual(1);
    // The tick counter rides the unreliable channel, one frame per tick.
    expect(await metricValue(server, "tickwire_unreliable_frames_sent_total", 'kind="delta"')).toBeGreaterThan(3);
  });

  it("refuses a bad display name at join with a clear error", async () => {
    const client = new TickwireClient(server.wsUrl);
    await expect(joinArena(client, { name: "<script>" })).rejects.toThrow(
      /invalid join options: name: name may contain only/,
    );
    await expect(joinArena(client, { name: "x".repeat(17) })).rejects.toThrow(/name is longer than 16 characters/);
    await expect(joinArena(client, { name: "   " })).rejects.toThrow(/name is empty/);
    await expect(joinArena(client, { name: 42 } as never)).rejects.toThrow(/invalid join options: name/);
    // Letters of any script, digits, spaces, _ and - are fine.
    const ok = await joinArena(client, { name: "Zoë_2-b" });
    expect(ok.self?.name ?? (await waitFor(() => ok.self, "own player")).name).toBe("Zoë_2-b");
    await ok.leave();
  });
});

describe("input buffering", () => {
  it("a burst of inputs is simulated one per tick, and an overflowing ring keeps the newest", async () => {
    const c = await join("burst");
    await waitFor(() => c.self, "own player");
    // 20 inputs at once: they must be spread over about 20 ticks, not applied in one.
    for (let i = 0; i < 20; i++) c.sendInput({ moveX: 0, moveY: 0 });
    const firstTick = c.state.tick;
    await waitFor(() => c.self!.lastProcessedInputSeq > 0, "first input simulated");
    const seenAt = { tick: c.state.tick, seq: c.self!.lastProcessedInputSeq };
    expect(seenAt.seq).toBeLessThanOrEqual(seenAt.tick - firstTick + 1);
    await waitFor(() => c.self!.lastProcessedInputSeq === 20, "the whole burst simulated");
    expect(c.state.tick - firstTick).toBeGreaterThanOrEqual(19);

    // 60 more at once overflow the 32-input ring (and stay under the 120 messages/s limit):
    // the oldest are dropped, so the burst drains in about 32 ticks instead of 60.
    const before = c.state.tick;
    for (let i = 0; i < 60; i++) c.sendInput({ moveX: 0, moveY: 0 });
    await waitFor(() => c.self!.lastProcessedInputSeq === 80, "newest input of the overflowing burst simulated");
    expect(c.state.tick - before).toBeLessThan(50);
    expect(c.closed).toBe(false);
  });
});
