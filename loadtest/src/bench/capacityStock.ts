import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stopChild } from "../localServer.ts";
import { alive, spawnNode, tail, waitForOutput } from "./children.ts";
import {
  bucketsOfSamples,
  derive,
  getJson,
  idleProbe,
  measureWindow,
  type Plan,
  quantiles,
  type Scenario,
  type ServerResult,
  sleep,
  TICK_HZ,
  waitForClients,
  WORLD_SIZE,
} from "./capacityRun.ts";
import type { BotStats, FromBots, ToBots } from "./stock/bots.ts";
import { round } from "../numbers.ts";
import { sampleQuantile } from "../serverMetrics.ts";

// bench:capacity's stock side: a stock Colyseus 0.18 room (./stock/server.ts) driven by stock SDK
// bots (./stock/bots.ts), each in its own process, measured through the shared steady window.

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STOCK_SERVER = path.join(HERE, "stock/server.ts");
const STOCK_BOTS = path.join(HERE, "stock/bots.ts");

class BotsIpc {
  #waiting: Array<(s: BotStats) => void> = [];
  last: BotStats | undefined;
  constructor(readonly child: ChildProcess) {
    child.on("message", (m: FromBots) => {
      this.last = m.stats;
      this.#waiting.shift()?.(m.stats);
    });
  }
  request(): Promise<BotStats> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stock bots did not answer:\n${tail(this.child)}`)), 10_000);
      this.#waiting.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.child.send({ type: "stats" } satisfies ToBots);
    });
  }
  async stop(): Promise<void> {
    if (!alive(this.child)) return;
    const exited = new Promise<void>((r) => this.child.once("exit", () => r()));
    this.child.send({ type: "stop" } satisfies ToBots);
    await Promise.race([exited, sleep(10_000)]);
    await stopChild(this.child);
  }
}

export async function runStock(sc: Scenario, plan: Plan): Promise<ServerResult> {
  const server = spawnNode(STOCK_SERVER, [
    "--room-size",
    String(sc.roomSize),
    "--radius",
    String(sc.stockRadius),
    "--hysteresis",
    String(sc.stockHysteresis),
    "--world",
    String(WORLD_SIZE),
    "--tick-hz",
    String(TICK_HZ),
  ]);
  let bots: BotsIpc | undefined;
  try {
    const m = await waitForOutput(
      server,
      /stock server listening on http:\/\/127\.0\.0\.1:(\d+) \(uWebSockets\.js ([^;]+);/,
      30_000,
    );
    const httpUrl = `http://127.0.0.1:${m[1]}`;
    const transport = `stock uWebSocketsTransport, uWebSockets.js ${m[2]}`;
    console.log(`  stock: server pid ${server.pid} on ${httpUrl} (${m[2]})`);
    const idle = await idleProbe(server.pid!);

    const botsChild = spawnNode(
      STOCK_BOTS,
      [
        "--endpoint",
        `ws://127.0.0.1:${m[1]}`,
        "--clients",
        String(plan.players),
        "--rooms",
        String(plan.rooms),
        "--ramp",
        String(plan.ramp),
        "--input-hz",
        String(TICK_HZ),
      ],
      true,
    );
    bots = new BotsIpc(botsChild);
    const clients = async () => (await getJson<{ clients: number }>(`${httpUrl}/bench/clients`)).clients;
    await waitForClients("stock", clients, plan.players, (plan.ramp + 30) * 1000, [server, botsChild]);
    await sleep(plan.settle * 1000);

    let botsStart: BotStats | undefined;
    let botsEnd: BotStats | undefined;
    let stats: { tickMs: number[]; patchMs: number[] } = { tickMs: [], patchMs: [] };
    const ipc = bots;
    const win = await measureWindow({
      seconds: plan.window,
      serverPid: server.pid!,
      bots: [{ role: "stock bots (1 process)", pid: botsChild.pid! }],
      clients,
      before: async () => {
        botsStart = await ipc.request();
        await getJson(`${httpUrl}/bench/reset`);
      },
      everySecond: async () => void (await ipc.request()),
      after: async () => {
        stats = await getJson(`${httpUrl}/bench/stats`);
        botsEnd = await ipc.request();
      },
    });
    const d = derive(win, idle);
    const tick = bucketsOfSamples(stats.tickMs);
    const patch = bucketsOfSamples(stats.patchMs);
    const end = botsEnd!;
    const start = botsStart!;
    return {
      server: "stock",
      transport,
      clients: { target: plan.players, joined: end.joined, failed: end.failed, disconnects: end.disconnects },
      window: win,
      ticks: { nominal: d.nominalTicks, perRoomMeasured: round(stats.tickMs.length / plan.rooms, 1) },
      cpu: d.cpu,
      rss: d.rss,
      downstream: {
        bytesPerClientPerSecond: round((end.bytes - start.bytes) / win.seconds / win.clients, 0),
        source: "stock bots: WebSocket payload bytes received over the window",
      },
      playersHeld: round((end.heldSum - start.heldSum) / Math.max(1, end.heldSamples - start.heldSamples), 1),
      tickMs: { ...quantiles(tick), exactP99: round(sampleQuantile(0.99, stats.tickMs), 3) },
      flushMs: {
        ...quantiles(patch),
        exactP99: round(sampleQuantile(0.99, stats.patchMs), 3),
        what: "Room.broadcastPatch(): onBeforePatch (StateView update) + encode + send",
      },
      config: {
        roomSize: sc.roomSize,
        stateViewRadius: sc.stockRadius || null,
        stateViewHysteresis: sc.stockRadius ? sc.stockHysteresis : null,
        tickHz: TICK_HZ,
        patchRateMs: round(1000 / 30, 3),
        fields: "float32 x, y, vx, vy, aim",
        botErrors: end.errors,
      },
      serverOutputTail: tail(server, 10).split("\n"),
    };
  } catch (err) {
    throw new Error(
      `${(err as Error).message}${alive(server) ? "" : `\nthe stock server exited (${server.exitCode ?? server.signalCode}):\n${tail(server, 15)}`}`,
    );
  } finally {
    await bots?.stop();
    await stopChild(server);
  }
}

/** The load tester's `--bot thin`, passed once loadtest/src/cli.ts has it. */
