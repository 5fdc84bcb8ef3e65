import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startLocalServer, stopChild, type LocalServer } from "../localServer.ts";
import { positiveInt } from "../args.ts";
import { mean, round } from "../numbers.ts";
import { rssKb } from "./proc.ts";

// npm run bench:ramp: how many players one server process holds at 30 Hz in rooms of 20 with
// interest management. Each step starts a fresh server (examples/serve.ts, default settings),
// runs the load tester against it with that many thin bots, and reads its report: the
// server's CPU per client-tick (process CPU time from /metrics), tick and flush p99 (from the
// server's histograms), and RSS per player (from /proc, over the idle server's). The ramp stops
// after the first step the server does not hold: tick p99 + flush p99 past half the tick
// budget, or fewer flushes per room-second than 95 % of the tick rate (a saturated process
// runs short ticks, late: its rooms fall behind rather than run long).

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../../..");
const CLI = path.join(ROOT, "loadtest/src/cli.ts");
const TICK_HZ = 30;
const TICK_MS = 1000 / TICK_HZ;
/** A step is held while its rooms flush at least this share of the tick rate. */
const HELD_FLUSH_RATE = 0.95;

const USAGE = `Usage: npm run bench:ramp -- [options]

  --steps LIST     players per step, comma-separated (default 200,400,600,800,1000,1200,1600,2000)
  --room-size N    players per room (default 20)
  --window S       steady seconds per step (default 15)
  --ramp S         seconds over which a step's bots join (default 5)
  --workers N      bot worker threads (default: the load tester's)
  --all            run every step, past the first one not held
  --out FILE       JSON path (default loadtest/results/ramp-<time>.json)
  --help`;

interface Step {
  players: number;
  rooms: number;
  joined: number;
  failed: number;
  cpuPerClientTickUs: number;
  playersPerCore: number;
  serverCores: number;
  tickP99Ms: number;
  flushP99Ms: number;
  /** The criterion: tick p99 + flush p99 (an upper bound of a room's tick-plus-flush p99). */
  tickPlusFlushP99Ms: number;
  rssKbPerPlayer: number;
  idleRssMb: number;
  flushesPerRoomPerSecond: number;
  botCores: number;
  warnings: string[];
}

async function runStep(
  players: number,
  opts: { roomSize: number; window: number; ramp: number; workers?: number },
): Promise<Step> {
  const rooms = Math.max(1, Math.ceil(players / opts.roomSize));
  const server: LocalServer = await startLocalServer({
    MAX_PLAYERS_PER_ROOM: String(opts.roomSize),
  });
  const pid = server.child.pid!;
  const out = path.join(os.tmpdir(), `tickwire-ramp-${process.pid}-${players}.json`);
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const idleKb = rssKb(pid);
    // RSS is sampled through the steady part of the run (the last `window` seconds before the bots leave).
    const samples: number[] = [];
    const sampler = setInterval(() => {
      try {
        samples.push(rssKb(pid));
      } catch {
        /* the server is gone */
      }
    }, 1000);
    const args = [
      "--conditions=tickwire-source",
      "--import",
      "tsx",
      CLI,
      "--endpoint",
      server.endpoint,
      "--clients",
      String(players),
      "--rooms",
      String(rooms),
      "--ramp",
      String(opts.ramp),
      "--duration",
      String(opts.window),
      "--bot",
      "thin",
      "--out",
      out,
      ...(opts.workers ? ["--workers", String(opts.workers)] : []),
    ];
    let printed = "";
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      child.stdout.on("data", (d) => (printed += d));
      child.stderr.on("data", (d) => (printed += d));
      child.on("exit", resolve);
    });
    clearInterval(sampler);
    // 1: the run completed but some joins failed or clients dropped (shown in the table).
    if (code !== 0 && code !== 1) throw new Error(`the load tester exited with ${code}:\n${printed.slice(-2000)}`);
    const report = JSON.parse(await readFile(out, "utf8"));
    const steady = samples.slice(-Math.max(1, Math.floor(opts.window / 2)));
    const rss = mean(steady);
    const joined = report.clients.joined as number;
    return {
      players,
      rooms,
      joined,
      failed: report.clients.failed,
      cpuPerClientTickUs: report.serverCpu?.cpuPerClientTickUs ?? Number.NaN,
      playersPerCore: report.serverCpu?.playersPerCore ?? Number.NaN,
      serverCores: report.serverCpu?.cores ?? Number.NaN,
      tickP99Ms: report.serverTickMs.p99,
      flushP99Ms: report.serverFlushMs.p99,
      tickPlusFlushP99Ms: round(report.serverTickMs.p99 + report.serverFlushMs.p99, 3),
      rssKbPerPlayer: round((rss - idleKb) / Math.max(1, joined), 1),
      idleRssMb: round(idleKb / 1024, 1),
      flushesPerRoomPerSecond: report.serverCpu?.flushesPerRoomPerSecond ?? Number.NaN,
      botCores: report.botCpu?.processCores ?? Number.NaN,
      warnings: report.warnings ?? [],
    };
  } finally {
    await stopChild(server.child);
    await rm(out, { force: true });
  }
}

/** Within half the tick budget, and every room flushing at (nearly) the tick rate. */
function held(step: Step, budgetMs: number): boolean {
  return step.tickPlusFlushP99Ms <= budgetMs && step.flushesPerRoomPerSecond >= HELD_FLUSH_RATE * TICK_HZ;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      steps: { type: "string" },
      "room-size": { type: "string" },
      window: { type: "string" },
      ramp: { type: "string" },
      workers: { type: "string" },
      all: { type: "boolean" },
      out: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const steps = (values.steps ?? "200,400,600,800,1000,1200,1600,2000")
    .split(",")
    .map((s) => positiveInt("steps", s.trim(), 0));
  const opts = {
    roomSize: positiveInt("room-size", values["room-size"], 20),
    window: positiveInt("window", values.window, 15),
    ramp: positiveInt("ramp", values.ramp, 5),
    ...(values.workers !== undefined && { workers: positiveInt("workers", values.workers, 1) }),
  };
  const budget = TICK_MS / 2;
  console.log(
    `bench:ramp: rooms of ${opts.roomSize}, interest management (server defaults), thin bots; steps ${steps.join(", ")}; a step is held while tick + flush p99 <= ${budget.toFixed(1)} ms (half the tick) and rooms flush at >= ${HELD_FLUSH_RATE * TICK_HZ} Hz; Node ${process.version}, ${os.cpus().length} cores`,
  );
  const header =
    "players  rooms  joined  CPU us/client-tick  players/core  server cores  tick p99  flush p99  tick+flush p99  RSS KB/player  flushes/room/s  bot cores";
  console.log(header);
  const results: Step[] = [];
  let knee: number | undefined;
  for (const players of steps) {
    const step = await runStep(players, opts);
    results.push(step);
    console.log(
      [
        String(step.players).padStart(7),
        String(step.rooms).padStart(5),
        String(step.joined).padStart(6),
        step.cpuPerClientTickUs.toFixed(1).padStart(18),
        String(step.playersPerCore).padStart(12),
        step.serverCores.toFixed(2).padStart(12),
        step.tickP99Ms.toFixed(2).padStart(8),
        step.flushP99Ms.toFixed(2).padStart(9),
        step.tickPlusFlushP99Ms.toFixed(2).padStart(14),
        step.rssKbPerPlayer.toFixed(1).padStart(13),
        step.flushesPerRoomPerSecond.toFixed(1).padStart(14),
        step.botCores.toFixed(2).padStart(9),
      ].join("  "),
    );
    for (const w of step.warnings) console.log(`         ${w}`);
    if (!held(step, budget) && knee === undefined) {
      knee = players;
      if (!values.all) break;
    }
  }
  const largest = results.filter((r) => held(r, budget)).at(-1);
  console.log(
    knee === undefined
      ? `every step was held (largest: ${steps.at(-1)} players)`
      : `not held at ${knee} players; the largest step held: ${largest ? `${largest.players} players` : "none"}`,
  );
  const file =
    values.out ?? path.join(ROOT, "loadtest/results", `ramp-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(
    file,
    `${JSON.stringify({ command: `npm run bench:ramp -- ${process.argv.slice(2).join(" ")}`.trim(), node: process.version, cores: os.cpus().length, budgetMs: budget, heldFlushRate: HELD_FLUSH_RATE * TICK_HZ, knee, largestHeld: largest?.players, steps: results }, null, 2)}\n`,
  );
  console.log(`JSON: ${path.relative(ROOT, file)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`bench:ramp: ${(err as Error).message}`);
    process.exit(2);
  },
);
