import { type ChildProcess, execFileSync } from "node:child_process";
import { positiveInt } from "../args.ts";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startLocalServer, stopChild } from "../localServer.ts";
import {
  alive,
  isStopping,
  NODE_ARGS,
  spawnNode,
  stopAll,
  stopChildrenOnExit,
  tail,
  track,
  waitForOutput,
} from "./children.ts";
import { printTable, type Row, rowsOf, warningsOf } from "./capacityReport.ts";
import { CLK_TCK, machineTicks, processTicks, rssKb, threadTicks } from "./proc.ts";
import {
  type Buckets,
  diffBuckets,
  histogramQuantile,
  parseHistogram,
  parseMetricTotals,
  sampleQuantile,
} from "../serverMetrics.ts";
import { mean, round } from "../numbers.ts";
import type { BotStats, FromBots, ToBots } from "./stock/bots.ts";

// npm run bench:capacity: the same load against (a) a stock Colyseus 0.18 room with the arena's
// movement rules on the stock uWS transport, driven by stock @colyseus/sdk bots
// (./stock/server.ts, ./stock/bots.ts), and (b) Tickwire's server (examples/serve.ts), driven by
// Tickwire's load tester (loadtest/src/cli.ts). Every server and every bot runs in its own
// process. Over a steady window after everyone joined, per server: its CPU time (utime + stime
// from /proc/<pid>/stat) per client-tick, RSS per connected player over its idle RSS, bytes per
// client per second downstream (counted by the bots), and tick and flush/patch p99.
// Scenarios: (1) "visible": rooms of 50, everyone sees everyone; (2) "interest": rooms of 20
// with interest management (radius 1200 in a 4000-unit world).

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const STOCK_SERVER = path.join(HERE, "stock/server.ts");
const STOCK_BOTS = path.join(HERE, "stock/bots.ts");
const CLI = path.join(ROOT, "loadtest/src/cli.ts");
const TICK_HZ = 30;
const WORLD_SIZE = 4000;
/** The Tickwire server's histogram buckets (server/src/observability/metrics.ts), used for the stock samples too. */
const BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05];
/** Seconds the Tickwire load tester keeps running after the window should have ended (joins may lag the ramp). */
const TICKWIRE_TAIL_S = 10;

const USAGE = `Usage: npm run bench:capacity -- [options]

  --players N        players per scenario (default 200: 4 rooms of 50; 10 rooms of 20)
  --window S         steady window in seconds, after everyone joined (default 20)
  --scenario NAME    all | visible | interest (default all)
  --settle S         seconds between the last join and the window (default 3)
  --ramp S           seconds over which bots join (default: players / 40, at least 2)
  --out FILE         JSON path (default loadtest/results/capacity-<time>.json)
  --help`;

export interface Scenario {
  name: "visible" | "interest";
  title: string;
  roomSize: number;
  /** Stock StateView radius (0: no views, one shared encode). */
  stockRadius: number;
  stockHysteresis: number;
  tickwireEnv: Record<string, string>;
}

const SCENARIOS: Record<Scenario["name"], Scenario> = {
  visible: {
    name: "visible",
    title: "rooms of 50, everyone sees everyone",
    roomSize: 50,
    stockRadius: 0,
    stockHysteresis: 0,
    tickwireEnv: { WORLD_SIZE: String(WORLD_SIZE), AOI_RADIUS: "16384" },
  },
  interest: {
    name: "interest",
    title: "rooms of 20, interest management (radius 1200, hysteresis 100, world 4000)",
    roomSize: 20,
    stockRadius: 1200,
    stockHysteresis: 100,
    tickwireEnv: { WORLD_SIZE: String(WORLD_SIZE), AOI_RADIUS: "1200", AOI_HYSTERESIS: "100" },
  },
};

// --- small helpers ---

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** fetch, tried 3 times, with the failing URL and the cause (e.g. ECONNREFUSED) in its error. */
async function get(url: string): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, { signal: AbortSignal.timeout(5000) });
    } catch (err) {
      if (attempt < 3) {
        await sleep(200);
        continue;
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`GET ${url}: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ""}`);
    }
  }
}

async function getJson<T>(url: string): Promise<T> {
  const res = await get(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

/** Polls until `count()` reaches `target`; gives up (returning the last count) after `timeoutMs`. */
async function waitForClients(
  label: string,
  count: () => Promise<number>,
  target: number,
  timeoutMs: number,
  watched: ChildProcess[],
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  let shown = -1;
  let lastShownAt = 0;
  for (;;) {
    for (const c of watched) if (!alive(c)) throw new Error(`${label}: a process exited during the joins:\n${tail(c)}`);
    last = await count();
    if (last !== shown && (last === target || Date.now() - lastShownAt > 2000)) {
      console.log(`  ${label}: ${last}/${target} clients connected`);
      shown = last;
      lastShownAt = Date.now();
    }
    if (last >= target || Date.now() > deadline) return last;
    await sleep(250);
  }
}

/** The server before any bot: mean RSS over a few samples, and the CPU it burns doing nothing. */
async function idleProbe(pid: number): Promise<{ rssKb: number; cores: number }> {
  await sleep(1000);
  const t0 = performance.now();
  const cpu0 = processTicks(pid);
  const samples: number[] = [];
  for (let i = 0; i < 6; i++) {
    await sleep(500);
    samples.push(rssKb(pid));
  }
  return { rssKb: mean(samples), cores: (processTicks(pid) - cpu0) / CLK_TCK / ((performance.now() - t0) / 1000) };
}

function bucketsOfSamples(samplesMs: number[]): Buckets {
  const out: Buckets = BUCKETS_S.map((le) => ({ le, count: 0 }));
  out.push({ le: Infinity, count: 0 });
  for (const ms of samplesMs) for (const b of out) if (ms / 1000 <= b.le) b.count++;
  return out;
}

// --- the steady window ---

interface ProcCpu {
  role: string;
  pid: number;
  cpuSeconds: number;
  /** CPU time over wall time: 1.0 is one core busy all along. */
  cores: number;
  busiestThread: { name: string; cores: number };
}

interface WindowResult {
  seconds: number;
  clientsAtStart: number;
  clientsAtEnd: number;
  /** Mean of the two: the divisor of the per-client figures. */
  clients: number;
  server: ProcCpu;
  bots: ProcCpu[];
  /** Machine-wide busy cores over the window, this harness's share, and what none of ours used. */
  machineBusyCores: number;
  harnessCores: number;
  otherCores: number;
  rssKb: { mean: number; min: number; max: number; samples: number };
}

async function measureWindow(opts: {
  seconds: number;
  serverPid: number;
  bots: Array<{ role: string; pid: number }>;
  clients: () => Promise<number>;
  before: () => Promise<void>;
  after: () => Promise<void>;
  everySecond?: () => Promise<void>;
}): Promise<WindowResult> {
  const clientsAtStart = await opts.clients();
  await opts.before();
  const machine0 = machineTicks();
  const harness0 = process.cpuUsage();
  const server0 = processTicks(opts.serverPid);
  const bots0 = opts.bots.map((b) => ({ proc: processTicks(b.pid), threads: threadTicks(b.pid) }));
  const t0 = performance.now();
  const rss: number[] = [];
  for (let s = 1; s <= opts.seconds; s++) {
    await sleep(Math.max(0, t0 + s * 1000 - performance.now()));
    rss.push(rssKb(opts.serverPid));
    if (s < opts.seconds) await opts.everySecond?.();
  }
  const seconds = (performance.now() - t0) / 1000;
  const server1 = processTicks(opts.serverPid);
  const machine1 = machineTicks();
  const harness = process.cpuUsage(harness0);
  const harnessCores = (harness.user + harness.system) / 1e6 / seconds;
  const bots = opts.bots.map((b, i): ProcCpu => {
    const proc = processTicks(b.pid) - bots0[i]!.proc;
    let busiest = { name: "-", cores: 0 };
    for (const [tid, th] of threadTicks(b.pid)) {
      const cores = (th.ticks - (bots0[i]!.threads.get(tid)?.ticks ?? 0)) / CLK_TCK / seconds;
      if (cores > busiest.cores) busiest = { name: th.name, cores: round(cores, 3) };
    }
    return {
      role: b.role,
      pid: b.pid,
      cpuSeconds: round(proc / CLK_TCK, 3),
      cores: round(proc / CLK_TCK / seconds, 3),
      busiestThread: busiest,
    };
  });
  await opts.after();
  const clientsAtEnd = await opts.clients();
  const serverSeconds = (server1 - server0) / CLK_TCK;
  const machineBusyCores = ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * os.cpus().length;
  const ours = serverSeconds / seconds + bots.reduce((a, b) => a + b.cpuSeconds, 0) / seconds + harnessCores;
  return {
    seconds: round(seconds, 3),
    clientsAtStart,
    clientsAtEnd,
    clients: (clientsAtStart + clientsAtEnd) / 2,
    server: {
      role: "server",
      pid: opts.serverPid,
      cpuSeconds: round(serverSeconds, 3),
      cores: round(serverSeconds / seconds, 3),
      busiestThread: { name: "-", cores: NaN },
    },
    bots,
    machineBusyCores: round(machineBusyCores, 3),
    harnessCores: round(harnessCores, 3),
    otherCores: round(Math.max(0, machineBusyCores - ours), 3),
    rssKb: { mean: round(mean(rss), 0), min: Math.min(...rss), max: Math.max(...rss), samples: rss.length },
  };
}

// --- one server's run ---

export interface ServerResult {
  server: "stock" | "tickwire";
  transport: string;
  clients: { target: number; joined: number; failed: number; disconnects: number };
  window: WindowResult;
  /** Ticks the figures are divided by: window seconds x 30 Hz (nominal); and the steps the rooms really ran. */
  ticks: { nominal: number; perRoomMeasured: number };
  /** usOverIdlePerClientTick: the same with the idle server's CPU (measured before the bots) taken off. */
  cpu: { usPerClientTick: number; playersPerCore: number; idleCores: number; usOverIdlePerClientTick: number };
  rss: { idleKb: number; withPlayersKb: number; kbPerPlayer: number };
  downstream: { bytesPerClientPerSecond: number; source: string; serverSideBytesPerClientPerSecond?: number };
  playersHeld: number;
  tickMs: { samples: number; p50: number; p99: number; exactP99?: number };
  flushMs: { samples: number; p50: number; p99: number; exactP99?: number; what: string };
  config: Record<string, unknown>;
  files?: Record<string, string>;
  /** The server's last lines of output, for a look at what it said under load. */
  serverOutputTail: string[];
}

export interface Plan {
  players: number;
  rooms: number;
  ramp: number;
  settle: number;
  window: number;
}

function derive(
  win: WindowResult,
  idle: { rssKb: number; cores: number },
): Pick<ServerResult, "cpu" | "rss"> & { nominalTicks: number } {
  const nominalTicks = win.seconds * TICK_HZ;
  const cpuPerClientTick = win.server.cpuSeconds / (win.clients * nominalTicks);
  const overIdle = (win.server.cpuSeconds - idle.cores * win.seconds) / (win.clients * nominalTicks);
  return {
    nominalTicks: round(nominalTicks, 1),
    cpu: {
      usPerClientTick: round(cpuPerClientTick * 1e6, 2),
      playersPerCore: round(1 / (cpuPerClientTick * TICK_HZ), 0),
      idleCores: round(idle.cores, 3),
      usOverIdlePerClientTick: round(overIdle * 1e6, 2),
    },
    rss: {
      idleKb: round(idle.rssKb, 0),
      withPlayersKb: win.rssKb.mean,
      kbPerPlayer: round((win.rssKb.mean - idle.rssKb) / win.clients, 1),
    },
  };
}

function quantiles(buckets: Buckets) {
  return {
    samples: buckets.at(-1)?.count ?? 0,
    p50: round(histogramQuantile(0.5, buckets) * 1000, 3),
    p99: round(histogramQuantile(0.99, buckets) * 1000, 3),
  };
}

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

async function runStock(sc: Scenario, plan: Plan): Promise<ServerResult> {
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
function thinBotFlag(): string[] {
  try {
    const help = execFileSync(process.execPath, [...NODE_ARGS, CLI, "--help"], { cwd: ROOT, encoding: "utf8" });
    return /--bot\b/.test(help) && /\bthin\b/.test(help) ? ["--bot", "thin"] : [];
  } catch {
    return [];
  }
}

/** A histogram from a /metrics text; throws when the text has none. */
function histogramOf(text: string, metric: string): Buckets {
  const buckets = parseHistogram(text, metric);
  if (buckets.length === 0) throw new Error(`/metrics has no ${metric}`);
  return buckets;
}

async function runTickwire(
  sc: Scenario,
  plan: Plan,
  botFlag: string[],
  resultsDir: string,
  stamp: string,
): Promise<ServerResult> {
  const env = { MAX_PLAYERS_PER_ROOM: String(Math.max(64, sc.roomSize)), ...sc.tickwireEnv };
  const local = await startLocalServer(env);
  track(local.child);
  let cli: ChildProcess | undefined;
  try {
    const health = await getJson<{ transport: string }>(`${local.httpUrl}/healthz`);
    console.log(`  Tickwire: server pid ${local.child.pid} on ${local.httpUrl} (transport ${health.transport})`);
    const idle = await idleProbe(local.child.pid!);

    const out = path.join(resultsDir, `capacity-${stamp}-${sc.name}-loadtest.json`);
    const duration = plan.settle + plan.window + TICKWIRE_TAIL_S;
    const args = [
      "--endpoint",
      local.endpoint,
      "--clients",
      String(plan.players),
      "--rooms",
      String(plan.rooms),
      "--ramp",
      String(plan.ramp),
      "--duration",
      String(duration),
      "--input-hz",
      String(TICK_HZ),
      ...botFlag,
      "--out",
      out,
    ];
    cli = spawnNode(CLI, args);
    const clients = async () => (await getJson<{ clients: number }>(`${local.httpUrl}/healthz`)).clients;
    await waitForClients("Tickwire", clients, plan.players, (plan.ramp + 30) * 1000, [local.child, cli]);
    await sleep(plan.settle * 1000);

    const snap = async () => {
      const text = await (await get(`${local.httpUrl}/metrics`)).text();
      return {
        tick: histogramOf(text, "tickwire_tick_duration_seconds"),
        flush: histogramOf(text, "tickwire_flush_duration_seconds"),
        bytesSent: parseMetricTotals(text).get("tickwire_bytes_sent_total") ?? 0,
      };
    };
    let before: Awaited<ReturnType<typeof snap>> | undefined;
    let after: Awaited<ReturnType<typeof snap>> | undefined;
    const win = await measureWindow({
      seconds: plan.window,
      serverPid: local.child.pid!,
      bots: [{ role: `Tickwire load tester (1 process${botFlag.length ? ", --bot thin" : ""})`, pid: cli.pid! }],
      clients,
      before: async () => {
        before = await snap();
      },
      after: async () => {
        after = await snap();
      },
    });
    if (!alive(cli)) throw new Error(`the load tester ended before the window did:\n${tail(cli)}`);
    const d = derive(win, idle);
    const ticks = diffBuckets(after!.tick, before!.tick);
    const flushes = diffBuckets(after!.flush, before!.flush);

    // The load tester reports after its run (the tail) and leaves.
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(-1), (TICKWIRE_TAIL_S + 60) * 1000);
      cli!.once("exit", (c) => {
        clearTimeout(timer);
        resolve(c);
      });
      if (!alive(cli!)) resolve(cli!.exitCode);
    });
    if (code === -1) throw new Error(`the load tester did not finish:\n${tail(cli)}`);
    let report: {
      clients: { joined: number; failed: number; disconnects: number };
      perClient: { downstreamBytesPerSecond: number };
      playersHeld: number;
      config?: { bot?: string };
      errors: string[];
    };
    try {
      report = JSON.parse(await readFile(out, "utf8"));
    } catch {
      throw new Error(`the load tester wrote no report (exit ${code}):\n${tail(cli)}`);
    }
    return {
      server: "tickwire",
      transport: `Tickwire (${health.transport})`,
      clients: { target: plan.players, ...report.clients },
      window: win,
      ticks: { nominal: d.nominalTicks, perRoomMeasured: round((ticks.at(-1)?.count ?? 0) / plan.rooms, 1) },
      cpu: d.cpu,
      rss: d.rss,
      downstream: {
        bytesPerClientPerSecond: report.perClient.downstreamBytesPerSecond,
        source: "load tester's bots: WebSocket payload bytes received, its steady state (ramp end to run end)",
        serverSideBytesPerClientPerSecond: round((after!.bytesSent - before!.bytesSent) / win.seconds / win.clients, 0),
      },
      // Thin bots decode no state: they cannot tell what they hold.
      playersHeld: report.config?.bot === "thin" ? NaN : report.playersHeld,
      tickMs: quantiles(ticks),
      flushMs: {
        ...quantiles(flushes),
        what: "tickwire_flush_duration_seconds: interest update, reliable patch when due, unreliable frames",
      },
      config: { serverEnv: env, loadtestArgs: args, loadtestExit: code, loadtestErrors: report.errors },
      files: { loadtestReport: path.relative(ROOT, out) },
      serverOutputTail: local.output().trimEnd().split("\n").slice(-10),
    };
  } catch (err) {
    const server = local.output().trimEnd().split("\n").slice(-15).join("\n");
    throw new Error(
      `${(err as Error).message}${alive(local.child) ? "" : `\nthe server exited (${local.child.exitCode ?? local.child.signalCode}):\n${server}`}`,
    );
  } finally {
    if (cli) await stopChild(cli);
    await local.stop();
  }
}

// --- main ---

async function main(): Promise<number> {
  stopChildrenOnExit("bench:capacity");
  const { values } = parseArgs({
    options: {
      players: { type: "string" },
      window: { type: "string" },
      scenario: { type: "string", default: "all" },
      settle: { type: "string" },
      ramp: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const players = positiveInt("players", values.players, 200);
  const window = positiveInt("window", values.window, 20);
  const settle = positiveInt("settle", values.settle, 3, 0);
  const ramp = positiveInt("ramp", values.ramp, Math.max(2, Math.ceil(players / 40)), 0);
  const names: Scenario["name"][] =
    values.scenario === "all" ? ["visible", "interest"] : [values.scenario as Scenario["name"]];
  for (const n of names)
    if (!(n in SCENARIOS)) throw new Error(`--scenario must be all, visible or interest, got "${values.scenario}"`);

  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
  const resultsDir = path.join(ROOT, "loadtest/results");
  await mkdir(resultsDir, { recursive: true });
  const out = values.out ? path.resolve(values.out) : path.join(resultsDir, `capacity-${stamp}.json`);
  const botFlag = thinBotFlag();
  const command = `npm run bench:capacity -- ${process.argv.slice(2).join(" ")}`.trim();
  console.log(
    `bench:capacity: ${names.join(", ")}; ${players} players per scenario, ${window} s window, ramp ${ramp} s, settle ${settle} s; Node ${process.version}, ${os.cpus().length} cores, CLK_TCK ${CLK_TCK}; Tickwire bots: ${botFlag.length ? "--bot thin" : "load tester default (no --bot flag yet)"}`,
  );

  const results: Array<Record<string, unknown>> = [];
  const warnings: string[] = [];
  const errors: string[] = [];
  const printed: Array<{ sc: Scenario; plan: Plan; rows: Row[] }> = [];
  for (const name of names) {
    const sc = SCENARIOS[name];
    const plan: Plan = { players, rooms: Math.ceil(players / sc.roomSize), ramp, settle, window };
    console.log(`\n== ${name}: ${sc.title}; ${players} players in ${plan.rooms} rooms`);
    try {
      const loadBefore = os.loadavg()[0]!;
      const stock = await runStock(sc, plan);
      await sleep(1000);
      const tickwire = await runTickwire(sc, plan, botFlag, resultsDir, stamp);
      const rows = rowsOf(sc, stock, tickwire);
      printed.push({ sc, plan, rows });
      printTable(sc, plan, rows);
      const w = [...warningsOf(sc, stock), ...warningsOf(sc, tickwire)];
      for (const line of w) console.log(`  WARNING ${line}`);
      warnings.push(...w);
      results.push({
        scenario: name,
        title: sc.title,
        plan,
        loadAverage1mBefore: round(loadBefore, 2),
        stock,
        tickwire,
        ratios: Object.fromEntries(rows.map((r) => [r.label, round(r.tickwire / r.stock, 3)])),
        targets: Object.fromEntries(rows.filter((r) => r.target).map((r) => [r.label, r.target])),
      });
    } catch (err) {
      const message = `${name}: ${(err as Error).message}`;
      console.error(`  ERROR ${message}`);
      errors.push(message);
      if (isStopping()) break;
    }
  }

  const report = {
    command,
    node: process.version,
    startedAt: startedAt.toISOString(),
    machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, clockTicksPerSecond: CLK_TCK },
    config: {
      players,
      windowSeconds: window,
      rampSeconds: ramp,
      settleSeconds: settle,
      tickHz: TICK_HZ,
      worldSize: WORLD_SIZE,
    },
    tickwireBots: botFlag.length ? "--bot thin" : "load tester default (cli.ts has no --bot flag yet)",
    method: {
      cpu: "server process utime + stime (/proc/<pid>/stat) over the window / (connected clients x window seconds x 30); usOverIdlePerClientTick takes off the CPU the same server used idle before the bots joined",
      otherCores:
        "machine-wide busy CPU (/proc/stat) over the window minus the server's, the bots' and this harness's: load from other processes",
      rss: "(mean VmRSS over the window, sampled each second - VmRSS idle before the bots) / connected clients",
      tickAndFlushP99:
        "Tickwire: its /metrics histograms; stock: samples taken in the room, put in the same buckets (exactP99 from the raw samples)",
    },
    scenarios: results,
    warnings,
    errors,
  };
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  if (printed.length > 1) for (const p of printed) printTable(p.sc, p.plan, p.rows);
  console.log(`\nJSON: ${path.relative(process.cwd(), out)}`);
  return errors.length ? 1 : 0;
}

main()
  .then(
    (code) => code,
    (err) => {
      console.error(`bench:capacity: ${(err as Error).message}`);
      return 2;
    },
  )
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });
