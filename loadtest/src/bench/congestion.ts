import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { joinArenaById, createArena, TickwireClient, type ArenaConnection } from "@tickwire/example-arena/client";
import { startLocalServer, type LocalServer } from "../localServer.ts";
import { TcpProxy } from "../tcpProxy.ts";
import { SlowLink } from "./netns.ts";
import { observe, wallNow, type Observation } from "./observer.ts";

// npm run bench:congestion: the staleness of one client's state behind a bandwidth-limited
// path while players move, for the same fast fields (a) queued like reliable data and
// (b) on Tickwire's unreliable channel; then (b) over an uncongested path with a long round trip.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const TICK_HZ = 30;
const PATCH_HZ = 20;

const { values: flags } = parseArgs({
  options: {
    duration: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
    entities: { type: "string", default: "50" },
    "rate-kbit": { type: "string", default: "64" },
    "rtt-ms": { type: "string", default: "100" },
    out: { type: "string" },
  },
});
const durationMs = Number(flags.duration) * 1000;
const warmupMs = Number(flags.warmup) * 1000;
const entities = Number(flags.entities);
const rateKbit = Number(flags["rate-kbit"]);
const rttMs = Number(flags["rtt-ms"]);

/** Players driven by bots on loopback, each changing direction now and then. */
async function startMovers(server: LocalServer, count: number) {
  const client = new TickwireClient(server.endpoint, { pingIntervalMs: 0 });
  const first = await createArena(client, { name: "m0" });
  const bots: ArenaConnection[] = [first];
  for (let i = 1; i < count; i++) bots.push(await joinArenaById(client, first.roomId, { name: `m${i}` }));
  let t = 0;
  const timer = setInterval(() => {
    t++;
    bots.forEach((b, i) => {
      const a = (t / 40) * (1 + (i % 5)) + i;
      b.sendInput({ moveX: Math.cos(a), moveY: Math.sin(a), aim: a });
    });
  }, 1000 / TICK_HZ);
  return {
    roomId: first.roomId,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled(bots.map((b) => b.leave()));
    },
  };
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

interface Staleness {
  /** At each frame the client applied: its arrival time minus the tick's time on loopback. */
  arrival: { p50: number; p99: number; n: number };
  /** Sampled at 60 Hz: age of the newest tick the client holds. */
  sampled: { p50: number; p99: number; n: number };
  framesPerSec: number;
  /** Frames per second the loopback reference got over the same time: the real flush rate. */
  flushesPerSec: number;
  meanFrameBytes: number;
}

/** Staleness of `obs` against a loopback reference that saw every tick as it went out. */
function staleness(obs: Observation, reference: Observation, from: number): Staleness {
  const sentAt = new Map(reference.arrivals.map(([tick, at]) => [tick, at]));
  const arrival = obs.arrivals
    .filter(([, at]) => at >= from)
    .flatMap(([tick, at]) => (sentAt.has(tick) ? [at - sentAt.get(tick)!] : []));
  const sampled = obs.samples
    .filter(([, at]) => at >= from)
    .flatMap(([tick, at]) => (sentAt.has(tick) ? [at - sentAt.get(tick)!] : []));
  const frames = obs.arrivals.filter(([, at]) => at >= from);
  const spanS = frames.length > 1 ? (frames[frames.length - 1]![1] - frames[0]![1]) / 1000 : 0;
  const until = frames.length > 0 ? frames[frames.length - 1]![1] : from;
  const flushes = reference.arrivals.filter(([, at]) => at >= from && at <= until);
  const flushSpanS = flushes.length > 1 ? (flushes[flushes.length - 1]![1] - flushes[0]![1]) / 1000 : 0;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    arrival: { p50: round(quantile(arrival, 0.5)), p99: round(quantile(arrival, 0.99)), n: arrival.length },
    sampled: { p50: round(quantile(sampled, 0.5)), p99: round(quantile(sampled, 0.99)), n: sampled.length },
    framesPerSec: spanS > 0 ? round((frames.length - 1) / spanS) : 0,
    flushesPerSec: flushSpanS > 0 ? round((flushes.length - 1) / flushSpanS) : 0,
    meanFrameBytes: obs.unreliableFrames > 0 ? Math.round(obs.unreliableBytes / obs.unreliableFrames) : 0,
  };
}

/** One run: a server in `delivery` mode, the movers, a loopback reference and the slow client. */
async function run(
  delivery: "queue" | "ack-window",
  slowClient: (server: LocalServer, roomId: string) => Promise<Observation>,
) {
  const server = await startLocalServer({
    HOST: "0.0.0.0",
    TICK_HZ: String(TICK_HZ),
    PATCH_HZ: String(PATCH_HZ),
    MAX_PLAYERS_PER_ROOM: String(entities + 4),
    UNRELIABLE_DELIVERY: delivery,
    RELIABLE_BACKLOG_BYTES: String(64 * 1024 * 1024),
    MONITOR_PASSWORD: "bench-only-password",
    // Every mover in every view, every tick: the subject is the channel under congestion.
    AOI_RADIUS: "16384",
    AOI_FAR_INTERVAL: "1",
  });
  try {
    const movers = await startMovers(server, entities);
    const start = wallNow();
    const [reference, slow] = await Promise.all([
      observe(server.endpoint, movers.roomId, durationMs + 2000),
      slowClient(server, movers.roomId),
    ]);
    await movers.stop();
    return staleness(slow, reference, start + warmupMs);
  } finally {
    await server.stop();
  }
}

async function main() {
  const useNetns = SlowLink.available();
  const bytesPerSec = (rateKbit * 1000) / 8;
  const pathName = useNetns
    ? `network namespace, veth + tbf ${rateKbit} kbit/s`
    : `loopback proxy reading ${bytesPerSec} B/s (not root: no network namespace)`;
  console.log(
    `bench:congestion: ${entities} moving players, ${TICK_HZ} Hz flushes, ${durationMs / 1000} s per run (first ${warmupMs / 1000} s not counted)`,
  );
  console.log(`congested path: ${pathName}`);

  let link: SlowLink | undefined;
  const slowVia = async (server: LocalServer, roomId: string): Promise<Observation> => {
    if (link) {
      const child = link.spawnNode(ROOT, "loadtest/src/bench/observer.ts", [
        `ws://${link.hostIp}:${server.port}`,
        roomId,
        String(durationMs),
      ]);
      let out = "";
      let err = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (err += d));
      const code = await new Promise<number | null>((r) => child.on("exit", r));
      if (code !== 0) throw new Error(`observer in the namespace exited with ${code}: ${err}`);
      return JSON.parse(out.trim().split("\n").pop()!) as Observation;
    }
    const proxy = await TcpProxy.start({ targetPort: server.port, downstreamBytesPerSec: bytesPerSec });
    try {
      return await observe(proxy.endpoint, roomId, durationMs);
    } finally {
      await proxy.close();
    }
  };

  if (useNetns) link = SlowLink.create(rateKbit);
  let reliable: Staleness;
  let unreliable: Staleness;
  try {
    console.log("(a) fast fields queued like reliable data (UNRELIABLE_DELIVERY=queue) ...");
    reliable = await run("queue", slowVia);
    console.log("(b) Tickwire unreliable channel (ack window) ...");
    unreliable = await run("ack-window", slowVia);
  } finally {
    link?.remove();
  }

  console.log(`(c) unreliable channel over an uncongested path with a ${rttMs} ms round trip ...`);
  const uncongested = await run("ack-window", async (server, roomId) => {
    const proxy = await TcpProxy.start({ targetPort: server.port, delayMs: rttMs / 2 });
    try {
      return await observe(proxy.endpoint, roomId, durationMs);
    } finally {
      await proxy.close();
    }
  });

  const frameTxMs = (unreliable.meanFrameBytes / bytesPerSec) * 1000;
  const target = (2 * 1000) / PATCH_HZ + 0.5 + frameTxMs;
  const ratio = reliable.arrival.p99 / unreliable.arrival.p99;
  const row = (name: string, s: Staleness) =>
    `${name.padEnd(34)} ${String(s.arrival.p50).padStart(9)} ${String(s.arrival.p99).padStart(9)}   ${String(s.sampled.p50).padStart(9)} ${String(s.sampled.p99).padStart(9)} ${String(s.framesPerSec).padStart(8)} ${String(s.meanFrameBytes).padStart(7)}`;
  console.log("");
  console.log(
    `${"staleness, ms".padEnd(34)} ${"arrive p50".padStart(9)} ${"arrive p99".padStart(9)}   ${"60Hz p50".padStart(9)} ${"60Hz p99".padStart(9)} ${"frames/s".padStart(8)} ${"B/frame".padStart(7)}`,
  );
  console.log(row("(a) queued (reliable), congested", reliable));
  console.log(row("(b) unreliable, congested", unreliable));
  console.log(row(`(c) unreliable, ${rttMs} ms RTT`, uncongested));
  console.log("");
  console.log(`p99 at arrival, (a) / (b): ${ratio.toFixed(1)}x (target: at least 30x)`);
  console.log(
    `(b) p99 ${unreliable.arrival.p99} ms vs target ${target.toFixed(0)} ms (2 patch intervals ${2000 / PATCH_HZ} ms + path ~0.5 ms + one ${unreliable.meanFrameBytes}-byte frame at ${rateKbit} kbit/s ${frameTxMs.toFixed(0)} ms)`,
  );
  console.log(
    `(c) ${uncongested.framesPerSec} frames/s delivered; the server flushed ${uncongested.flushesPerSec}/s (a loopback client's count; TICK_HZ ${TICK_HZ}, late timers merge flushes)`,
  );

  const report = {
    when: new Date().toISOString(),
    command: `npm run bench:congestion -- ${process.argv.slice(2).join(" ")}`.trim(),
    path: pathName,
    entities,
    tickHz: TICK_HZ,
    patchHz: PATCH_HZ,
    durationS: durationMs / 1000,
    warmupS: warmupMs / 1000,
    rateKbit,
    rttMs,
    reliable,
    unreliable,
    uncongested,
    ratioP99: Math.round(ratio * 10) / 10,
    targetP99Ms: Math.round(target),
    targets: {
      p99WithinTarget: unreliable.arrival.p99 <= target,
      ratioAtLeast30: ratio >= 30,
      uncongestedDeliversFlushRate: uncongested.framesPerSec >= uncongested.flushesPerSec * 0.99,
    },
  };
  const out = flags.out ?? path.join(ROOT, "loadtest/results", `congestion-${report.when.replace(/[:.]/g, "-")}.json`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written: ${path.relative(process.cwd(), out)}`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
