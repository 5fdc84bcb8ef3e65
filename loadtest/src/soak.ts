import { parseArgs } from "node:util";
import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { joinArena, TickwireClient } from "@tickwire/example-arena/client";
import { startLocalServer } from "./localServer.ts";
import { diffBuckets, fetchTickHistogram, histogramQuantile, type Buckets } from "./serverMetrics.ts";

// `npm run soak -- [--minutes 10] [--clients 60] [--rooms 3] [--sample 15] [--warmup 60]`:
// holds a steady load on a local server (bots from `npm run loadtest`, plus one client joining
// and leaving every 2 s, so per-join leaks show), samples the server's /metrics, and reports
// RSS and heap over time, open handles, and tick p99 per window. Target: RSS growth under 10%
// from the end of the warm-up to the end, and no tick p99 drift. Prints a table and writes JSON.

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const USAGE =
  "usage: npm run soak -- [--minutes 10] [--clients 60] [--rooms 3] [--sample <seconds, 15>] [--warmup <seconds, 60>] [--out file.json]";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    clients: { type: "string", default: "60" },
    rooms: { type: "string", default: "3" },
    sample: { type: "string", default: "15" },
    warmup: { type: "string", default: "60" },
    out: { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const num = (name: string, raw: string, min: number) => {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) {
    console.error(`soak: --${name} must be a number >= ${min}\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const minutes = num("minutes", values.minutes!, 0.5);
const clients = Math.round(num("clients", values.clients!, 1));
const rooms = Math.round(num("rooms", values.rooms!, 1));
const sampleS = num("sample", values.sample!, 1);
const warmupS = num("warmup", values.warmup!, 0);

async function metrics(httpUrl: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || !line) continue;
    const i = line.lastIndexOf(" ");
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

interface Sample {
  atS: number;
  rssMiB: number;
  heapUsedMiB: number;
  handles: number;
  clients: number;
  tickP99Ms: number;
  tickP50Ms: number;
}

const server = await startLocalServer({
  MONITOR_PASSWORD: "soak-monitor-password",
  MAX_PLAYERS_PER_ROOM: String(Math.ceil(clients / rooms) + 8),
});
console.log(
  `soak: server at ${server.endpoint}, ${clients} bots in ${rooms} rooms for ${minutes} min (warm-up ${warmupS} s, a sample every ${sampleS} s)`,
);
const durationS = Math.round(minutes * 60);
const bots = spawn(
  process.execPath,
  [
    "--conditions=tickwire-source",
    "--import",
    "tsx",
    path.join(HERE, "cli.ts"),
    "--endpoint",
    server.endpoint,
    "--clients",
    String(clients),
    "--rooms",
    String(rooms),
    "--duration",
    String(durationS + 30),
    "--ramp",
    "5",
    "--out",
    path.join(ROOT, "loadtest/results/.soak-bots.json"),
  ],
  { cwd: ROOT, stdio: "ignore" },
);

// Churn: one client joins, sends a chat line and leaves, every 2 s.
let churned = 0;
const churn = setInterval(async () => {
  try {
    const c = await joinArena(new TickwireClient(server.endpoint, { maxReconnectAttempts: 0, pingIntervalMs: 0 }), {
      name: "churn",
    });
    c.chat("passing through");
    await c.leave();
    churned++;
  } catch {
    // counted by the absence of churned
  }
}, 2000);

const started = Date.now();
const samples: Sample[] = [];
let prev: Buckets = await fetchTickHistogram(server.httpUrl);
while ((Date.now() - started) / 1000 < durationS) {
  await new Promise((r) => setTimeout(r, sampleS * 1000));
  const m = await metrics(server.httpUrl);
  const now = await fetchTickHistogram(server.httpUrl);
  const window = diffBuckets(now, prev);
  prev = now;
  const s: Sample = {
    atS: Math.round((Date.now() - started) / 1000),
    rssMiB: +((m.get("tickwire_process_process_resident_memory_bytes") ?? 0) / 2 ** 20).toFixed(1),
    heapUsedMiB: +((m.get("tickwire_process_nodejs_heap_size_used_bytes") ?? 0) / 2 ** 20).toFixed(1),
    handles: m.get("tickwire_process_nodejs_active_handles_total") ?? 0,
    clients: m.get("tickwire_clients") ?? 0,
    tickP99Ms: +(histogramQuantile(0.99, window) * 1000).toFixed(2),
    tickP50Ms: +(histogramQuantile(0.5, window) * 1000).toFixed(3),
  };
  samples.push(s);
  console.log(
    `${String(s.atS).padStart(5)} s  rss ${s.rssMiB} MiB  heap ${s.heapUsedMiB} MiB  handles ${s.handles}  clients ${s.clients}  tick p50 ${s.tickP50Ms} ms  p99 ${s.tickP99Ms} ms`,
  );
}
clearInterval(churn);
bots.kill("SIGTERM");
await server.stop();

const afterWarmup = samples.filter((s) => s.atS >= warmupS);
const first = afterWarmup[0] ?? samples[0]!;
const last = samples.at(-1)!;
const third = Math.max(1, Math.floor(afterWarmup.length / 3));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const report = {
  command: `npm run soak -- --minutes ${minutes} --clients ${clients} --rooms ${rooms}`,
  minutes,
  clients,
  rooms,
  warmupSeconds: warmupS,
  churnedJoins: churned,
  rssAfterWarmupMiB: first.rssMiB,
  rssEndMiB: last.rssMiB,
  rssGrowthPercent: +(((last.rssMiB - first.rssMiB) / first.rssMiB) * 100).toFixed(2),
  heapAfterWarmupMiB: first.heapUsedMiB,
  heapEndMiB: last.heapUsedMiB,
  handlesAfterWarmup: first.handles,
  handlesEnd: last.handles,
  tickP99StartMs: +mean(afterWarmup.slice(0, third).map((s) => s.tickP99Ms)).toFixed(2),
  tickP99EndMs: +mean(afterWarmup.slice(-third).map((s) => s.tickP99Ms)).toFixed(2),
  samples,
};
const out =
  values.out ?? path.join(ROOT, "loadtest/results", `soak-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(report, null, 2));
console.log(
  `\nRSS after warm-up ${report.rssAfterWarmupMiB} MiB -> end ${report.rssEndMiB} MiB (${report.rssGrowthPercent}%; target < 10%)`,
);
console.log(
  `heap used ${report.heapAfterWarmupMiB} -> ${report.heapEndMiB} MiB; handles ${report.handlesAfterWarmup} -> ${report.handlesEnd}; joins churned ${churned}`,
);
console.log(`tick p99, first third after warm-up ${report.tickP99StartMs} ms, last third ${report.tickP99EndMs} ms`);
console.log(`report: ${path.relative(ROOT, out)}`);
process.exit(0);
