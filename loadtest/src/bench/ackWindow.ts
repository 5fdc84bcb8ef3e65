import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createRng } from "@tickwire/shared";
import { AckWindow } from "../../../server/src/transport/unreliable/window.ts";
import { AckWindow as ReferenceAckWindow } from "../../../test/helpers/ackWindowReference.ts";

// npx tsx --conditions=tickwire-source loadtest/src/bench/ackWindow.ts: the CPU time the send
// window of the unreliable channel (server/src/transport/unreliable/window.ts) costs per frame,
// against the earlier implementation kept in test/helpers/ackWindowReference.ts, in one process.
//
// Each of `--windows` simulated clients gets a frame offered at `--hz` for `--seconds` of
// simulated time (canSend, then onSent when allowed) and acknowledges every frame it gets
// (onAck) after its own link's transmission time, round trip and hold; about one in ten has a
// link slower than the frames, so its window fills and drops frames. All windows advance together,
// flush by flush, as in a server. The clients are the same (seeded) for both implementations, and
// both must make the same decisions (the run fails otherwise). A pass is timed as process CPU time
// (user + system); passes of the two alternate, after one of warm-up each, and the median is
// reported. The link simulation around the calls is in both figures; a third pass with a window
// that does nothing measures it (an upper bound: that window lets every frame through).

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const { values: flags } = parseArgs({
  options: {
    windows: { type: "string", default: "2000" },
    seconds: { type: "string", default: "30" },
    hz: { type: "string", default: "30" },
    rounds: { type: "string", default: "5" },
    "max-frames": { type: "string", default: "32" },
    seed: { type: "string", default: "1" },
    out: { type: "string" },
  },
});
const WINDOWS = Number(flags.windows);
const FLUSHES = Math.round(Number(flags.seconds) * Number(flags.hz));
const FLUSH_MS = 1000 / Number(flags.hz);
const ROUNDS = Number(flags.rounds);
const MAX_FRAMES = Number(flags["max-frames"]);
const SEED = Number(flags.seed);

/** What the simulation calls: both implementations, and the window that does nothing. */
interface Window {
  canSend(now: number): boolean;
  onSent(seq: number, bytes: number, now: number): void;
  onAck(seq: number, heldMs: number, now: number): boolean;
}

class NullWindow implements Window {
  canSend(): boolean {
    return true;
  }
  onSent(): void {}
  onAck(): boolean {
    return true;
  }
}

type Impl = "reference" | "current" | "harness";
const MAKE: Record<Impl, () => Window> = {
  reference: () => new ReferenceAckWindow({ maxFramesInFlight: MAX_FRAMES }),
  current: () => new AckWindow({ maxFramesInFlight: MAX_FRAMES }),
  harness: () => new NullWindow(),
};

/** The simulated clients: one link and one ack habit each, the same for every pass. */
const clients = (() => {
  const rng = createRng(SEED);
  const bytesPerMs = new Float64Array(WINDOWS);
  const delayMs = new Float64Array(WINDOWS);
  const holdMs = new Float64Array(WINDOWS);
  const frameBytes = new Float64Array(WINDOWS);
  for (let w = 0; w < WINDOWS; w++) {
    bytesPerMs[w] = rng.next() < 0.1 ? rng.range(8, 100) : rng.range(1000, 10_000);
    delayMs[w] = rng.range(1, 100);
    holdMs[w] = rng.next() < 0.5 ? 0 : rng.range(0, 20);
    frameBytes[w] = Math.floor(rng.range(60, 700));
  }
  return { bytesPerMs, delayMs, holdMs, frameBytes };
})();

/** Room for acks on their way back per client (a power of two): more than the frames a window
 *  lets be in flight, each of which has one ack due. */
const PENDING = 2 ** Math.ceil(Math.log2(MAX_FRAMES + 2));

interface Pass {
  impl: Impl;
  cpuMs: number;
  wallMs: number;
  offered: number;
  sent: number;
  acks: number;
  /** CPU ns per frame sent (its canSend, onSent and onAck, and the canSend calls that dropped frames). */
  nsPerFrame: number;
  gcCount: number;
  gcMs: number;
}

const gcs: Array<{ start: number; duration: number }> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, duration: e.duration });
}).observe({ entryTypes: ["gc"] });

/** Runs every window through the whole simulated time; returns what was done and what it cost. */
async function pass(impl: Impl): Promise<Pass> {
  const windows = Array.from({ length: WINDOWS }, MAKE[impl]);
  const { bytesPerMs, delayMs, holdMs, frameBytes } = clients;
  // Per client: the link's next free time, the last sequence number, and a ring of acks due.
  const linkFreeAt = new Float64Array(WINDOWS);
  const seqs = new Int32Array(WINDOWS);
  const ackAt = new Float64Array(WINDOWS * PENDING);
  const ackSeq = new Int32Array(WINDOWS * PENDING);
  const ackHead = new Int32Array(WINDOWS);
  const ackCount = new Int32Array(WINDOWS);
  const mask = PENDING - 1;
  let offered = 0;
  let sent = 0;
  let acks = 0;

  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  for (let k = 0; k < FLUSHES; k++) {
    const now = k * FLUSH_MS;
    for (let w = 0; w < WINDOWS; w++) {
      const win = windows[w]!;
      const base = w * PENDING;
      // The acks due by now, in order.
      while (ackCount[w]! > 0) {
        const slot = base + ackHead[w]!;
        const at = ackAt[slot]!;
        if (at > now) break;
        win.onAck(ackSeq[slot]!, holdMs[w]!, at);
        ackHead[w] = (ackHead[w]! + 1) & mask;
        ackCount[w]!--;
        acks++;
      }
      offered++;
      if (!win.canSend(now)) continue;
      // A keyframe every 30th flush, the client's usual frame otherwise.
      const bytes = k % 30 === 0 ? 2000 : frameBytes[w]!;
      const seq = (seqs[w]! + 1) & 0xffff;
      seqs[w] = seq;
      win.onSent(seq, bytes, now);
      sent++;
      const departs = Math.max(now, linkFreeAt[w]!) + bytes / bytesPerMs[w]!;
      linkFreeAt[w] = departs;
      // The window that does nothing lets more frames through than the ring holds; their acks are lost.
      if (ackCount[w]! < PENDING) {
        const slot = base + ((ackHead[w]! + ackCount[w]!) & mask);
        ackAt[slot] = departs + 2 * delayMs[w]! + holdMs[w]!;
        ackSeq[slot] = seq;
        ackCount[w]!++;
      }
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  const wallEnd = performance.now();
  // GC entries arrive asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const during = gcs.filter((g) => g.start >= wallStart && g.start <= wallEnd);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    impl,
    cpuMs,
    wallMs: wallEnd - wallStart,
    offered,
    sent,
    acks,
    nsPerFrame: (cpuMs * 1e6) / sent,
    gcCount: during.length,
    gcMs: during.reduce((s, g) => s + g.duration, 0),
  };
}

const f = (v: number, d = 1) => v.toFixed(d);
const show = (p: Pass, label: string) =>
  console.log(
    `${label.padEnd(10)} ${p.impl.padEnd(9)} | cpu ${f(p.cpuMs, 0).padStart(6)} ms | ${f(p.nsPerFrame, 1).padStart(7)} ns/frame | ` +
      `sent ${p.sent} of ${p.offered}, acks ${p.acks} | gc ${p.gcCount} (${f(p.gcMs, 1)} ms)`,
  );

console.log(
  `${WINDOWS} windows x ${FLUSHES} flushes (${flags.seconds} s at ${flags.hz} Hz), maxFramesInFlight ${MAX_FRAMES}, ${ROUNDS} rounds\n`,
);
const impls: Impl[] = ["reference", "current", "harness"];
for (const impl of impls) show(await pass(impl), "warm-up");
const passes: Pass[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate the order so that neither always runs first.
  const order = round % 2 === 0 ? impls : [...impls].reverse();
  for (const impl of order) {
    const p = await pass(impl);
    passes.push(p);
    show(p, `round ${round + 1}`);
  }
}

const of = (impl: Impl) => passes.filter((p) => p.impl === impl);
const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ref = of("reference");
const cur = of("current");
// Same clients, same decisions: the two must have sent and acknowledged the same frames.
for (let i = 0; i < ref.length; i++) {
  if (ref[i]!.sent !== cur[i]!.sent || ref[i]!.acks !== cur[i]!.acks) {
    console.error("the two implementations made different decisions");
    process.exit(1);
  }
}
const refNs = median(ref.map((p) => p.nsPerFrame));
const curNs = median(cur.map((p) => p.nsPerFrame));
// The window that does nothing lets every frame through: its cost per frame is an upper bound on
// the simulation's share of the others' figures.
const harnessPerFrame = median(of("harness").map((p) => p.nsPerFrame));
const summary = {
  referenceNsPerFrame: refNs,
  currentNsPerFrame: curNs,
  ratio: refNs / curNs,
  harnessNsPerFrame: harnessPerFrame,
  referenceNsPerFrameLessHarness: refNs - harnessPerFrame,
  currentNsPerFrameLessHarness: curNs - harnessPerFrame,
  ratioLessHarness: (refNs - harnessPerFrame) / (curNs - harnessPerFrame),
  referenceGcPerPass: median(ref.map((p) => p.gcCount)),
  currentGcPerPass: median(cur.map((p) => p.gcCount)),
};
console.log(
  `\nmedian CPU per frame sent (canSend + onSent + onAck): reference ${f(refNs)} ns, current ${f(curNs)} ns, ` +
    `reference/current ${f(summary.ratio, 2)}x`,
);
console.log(
  `less the simulation around the calls (~${f(harnessPerFrame)} ns/frame): reference ${f(summary.referenceNsPerFrameLessHarness)} ns, ` +
    `current ${f(summary.currentNsPerFrameLessHarness)} ns, ${f(summary.ratioLessHarness, 2)}x`,
);

const report = {
  bench: "ackWindow",
  when: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  loadAverage: os.loadavg(),
  settings: {
    windows: WINDOWS,
    flushes: FLUSHES,
    hz: Number(flags.hz),
    seconds: Number(flags.seconds),
    maxFramesInFlight: MAX_FRAMES,
    rounds: ROUNDS,
    seed: SEED,
    measure: "process.cpuUsage() user + system per pass",
  },
  summary,
  passes,
};
const out = flags.out ?? path.join(ROOT, "loadtest/results", `ackWindow-${report.when.replace(/[:.]/g, "-")}.json`);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nwritten: ${path.relative(process.cwd(), out)}`);
