import { type ChildProcess, execFileSync } from "node:child_process";
import { positiveInt } from "../args.ts";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startLocalServer, stopChild } from "../localServer.ts";
import { alive, isStopping, NODE_ARGS, spawnNode, stopAll, stopChildrenOnExit, tail, track } from "./children.ts";
import { printTable, type Row, rowsOf, warningsOf } from "./capacityReport.ts";
import {
  derive,
  get,
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
import { runStock } from "./capacityStock.ts";
import { CLK_TCK } from "./proc.ts";
import { type Buckets, diffBuckets, parseHistogram, parseMetricTotals } from "../serverMetrics.ts";
import { round } from "../numbers.ts";

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
const CLI = path.join(ROOT, "loadtest/src/cli.ts");
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
