import type { ChildProcess } from "node:child_process";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { alive, tail } from "./children.ts";
import { CLK_TCK, machineTicks, processTicks, rssKb, threadTicks } from "./proc.ts";
import { type Buckets, histogramQuantile } from "../serverMetrics.ts";
import { mean, round } from "../numbers.ts";

// What both servers' runs in bench:capacity share: the scenario and plan, HTTP and join polling,
// the idle probe, the steady window (CPU from /proc, RSS), and the figures derived from it.

export const TICK_HZ = 30;
export const WORLD_SIZE = 4000;
/** The Tickwire server's histogram buckets (server/src/observability/metrics.ts), used for the stock samples too. */
export const BUCKETS_S = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05];

export interface Scenario {
  name: "visible" | "interest";
  title: string;
  roomSize: number;
  /** Stock StateView radius (0: no views, one shared encode). */
  stockRadius: number;
  stockHysteresis: number;
  tickwireEnv: Record<string, string>;
}

// --- small helpers ---

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** fetch, tried 3 times, with the failing URL and the cause (e.g. ECONNREFUSED) in its error. */
export async function get(url: string): Promise<Response> {
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

export async function getJson<T>(url: string): Promise<T> {
  const res = await get(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

/** Polls until `count()` reaches `target`; gives up (returning the last count) after `timeoutMs`. */
export async function waitForClients(
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
export async function idleProbe(pid: number): Promise<{ rssKb: number; cores: number }> {
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

export function bucketsOfSamples(samplesMs: number[]): Buckets {
  const out: Buckets = BUCKETS_S.map((le) => ({ le, count: 0 }));
  out.push({ le: Infinity, count: 0 });
  for (const ms of samplesMs) for (const b of out) if (ms / 1000 <= b.le) b.count++;
  return out;
}

// --- the steady window ---

export interface ProcCpu {
  role: string;
  pid: number;
  cpuSeconds: number;
  /** CPU time over wall time: 1.0 is one core busy all along. */
  cores: number;
  busiestThread: { name: string; cores: number };
}

export interface WindowResult {
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

export async function measureWindow(opts: {
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

export function derive(
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

export function quantiles(buckets: Buckets) {
  return {
    samples: buckets.at(-1)?.count ?? 0,
    p50: round(histogramQuantile(0.5, buckets) * 1000, 3),
    p99: round(histogramQuantile(0.99, buckets) * 1000, 3),
  };
}
