import { costLines, FLUSH_METRIC, windowCost, windowMark, type WindowEnd } from "./cost.ts";
import { bots, round } from "./numbers.ts";
import { Worker } from "node:worker_threads";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import cliProgress from "cli-progress";
import { parseOptions, USAGE } from "./cliOptions.ts";
import { startLocalServer, type LocalServer } from "./localServer.ts";
import { htmlPathFor, renderReport, writeReportFrom } from "./reportHtml.ts";
import { MAX_RATE_LIMIT_WAIT_MS } from "./rateLimitWait.ts";
import { reportLines } from "./reportText.ts";
import { awaitCreators, creatorSpecs, joinerSpecs, roomsShortfall } from "./rooms.ts";
import { TimelineSampler } from "./timeline.ts";
import { fetchTickHistogram, diffBuckets, histogramQuantile, sampleQuantile, type Buckets } from "./serverMetrics.ts";
import { addCounters, emptyTotals, type FromWorker, type ToWorker, type WorkerReport } from "./protocol.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed.kind === "help") {
    console.log(USAGE);
    return 0;
  }
  if (parsed.kind === "report-from") {
    console.log(`HTML: ${path.relative(process.cwd(), await writeReportFrom(parsed.json))}`);
    return 0;
  }
  const {
    clients,
    rooms,
    durationSeconds: duration,
    rampSeconds: ramp,
    inputHz,
    bot,
    workers: workerCount,
    serverEnv,
  } = parsed.options;

  let local: LocalServer | undefined;
  let endpoint = parsed.options.endpoint;
  if (!endpoint) {
    local = await startLocalServer(serverEnv);
    endpoint = local.endpoint;
  }
  const httpUrl = endpoint.replace(/^ws/, "http");
  console.log(
    `loadtest: ${clients} ${bot} bots in ${rooms} rooms, ${workerCount} worker thread(s), ramp ${ramp}s, run ${duration}s against ${endpoint}${local ? " (local server)" : ""}`,
  );
  console.log(
    bot === "thin"
      ? "  bots: thin (wire protocol only: input frames, acks, pings; no state decoding)"
      : "  bots: full (SDK connections: state decoding, prediction, interpolation)",
  );
  // The local server says its rates when it starts listening.
  const serverRates = local ? ratesFromLog(local.output()) : undefined;

  const totals = emptyTotals();
  const rtt: number[] = [];
  const joinMs: number[] = [];
  const waitMs: number[] = [];
  /** Per report during the steady window: worker event loop utilisation and input schedule lag. */
  const steadyElu: number[] = [];
  let steadyLagMaxMs = 0;
  let inSteadyWindow = false;
  const errors: string[] = [];
  const created: string[] = [];
  const timeline = new TimelineSampler(httpUrl, totals, rtt);
  /** `short`: a report asked for at a window end, over a fraction of a second (its ELU is left out). */
  const absorb = (r: WorkerReport, short = false) => {
    addCounters(totals, r);
    if (inSteadyWindow) {
      if (!short) steadyElu.push(r.elu);
      steadyLagMaxMs = Math.max(steadyLagMaxMs, r.lagMaxMs);
    }
    rtt.push(...r.rttMs);
    joinMs.push(...r.joinMs);
    waitMs.push(...r.rateLimitWaitMs);
    for (const e of r.errors) if (errors.length < 10) errors.push(e);
    for (const c of r.created) created.push(c.roomId);
    timeline.noteReport();
  };

  const workers = Array.from({ length: workerCount }, () => {
    const w = new Worker(path.join(HERE, "worker-entry.mjs"));
    w.on("message", (m: FromWorker) => {
      if (m.type !== "report") return;
      absorb(m.report, m.flushed);
      if (m.flushed) onFlushed?.();
    });
    w.on("error", (err) => errors.push(`worker: ${err.message}`));
    return w;
  });
  const send = (w: Worker, msg: ToWorker) => w.postMessage(msg);

  // Workers report once a second; the ends of the steady window ask every worker for its
  // counters at once, so that the window's counts and its CPU figures cover the same time.
  let onFlushed: (() => void) | undefined;
  const flushReports = () =>
    new Promise<void>((resolve) => {
      let left = workers.length;
      const timer = setTimeout(resolve, 1500); // a dead or stuck worker must not hold the run
      onFlushed = () => {
        if (--left > 0) return;
        clearTimeout(timer);
        onFlushed = undefined;
        resolve();
      };
      for (const w of workers) send(w, { type: "report-now" });
    });
  const markWindow = async (): Promise<WindowEnd> => {
    await flushReports();
    return windowMark(httpUrl, totals);
  };

  let tickBefore: Buckets = [];
  let flushBefore: Buckets = [];
  try {
    tickBefore = await fetchTickHistogram(httpUrl);
    flushBefore = await fetchTickHistogram(httpUrl, FLUSH_METRIC);
  } catch {
    /* a remote server without /metrics: tick figures stay NaN */
  }

  // Phase 1: one creator bot per room; phase 2: the rest join those rooms by id over the ramp.
  creatorSpecs(rooms).forEach((b, i) => {
    send(workers[i % workerCount]!, { type: "spawn", endpoint, bots: [b], inputHz, bot });
  });
  await awaitCreators(
    rooms,
    () => ({ created: created.length, failed: totals.failed, rateLimited: totals.rateLimited }),
    () =>
      console.log(
        `  rooms: the server answers 429 (its per-address limits): the creator bots wait it out, each for up to ${MAX_RATE_LIMIT_WAIT_MS / 1000} s`,
      ),
  );
  const roomsCreated = created.length;
  const shortfall = roomsShortfall(roomsCreated, rooms, clients - rooms);
  if (shortfall) errors.unshift(shortfall);
  joinerSpecs(clients, rooms, created, ramp).forEach((spec, k) => {
    if (spec) send(workers[k % workerCount]!, { type: "spawn", endpoint, bots: [spec], inputHz, bot });
    else totals.failed++;
  });

  // Live progress, one line.
  const bar = new cliProgress.SingleBar(
    {
      format:
        " {bar} {value}/{total}s | joined {joined}/{clients} failed {failed} drops {drops} | {pps} patches/s/client | {kbps} kB/s/client | rtt p50 {rtt} ms",
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 2000,
    },
    cliProgress.Presets.shades_classic,
  );
  const runSeconds = ramp + duration;
  bar.start(runSeconds, 0, { joined: 0, clients, failed: 0, drops: 0, pps: "-", kbps: "-", rtt: "-" });
  // The steady window (after the ramp): at each end the bots' counters, the bot process's CPU
  // and a /metrics scrape.
  let windowStart: Promise<WindowEnd> | undefined;
  const started = Date.now();
  timeline.start();
  let last = { at: started, patches: 0, bytes: 0 };
  let shown = { pps: "-", kbps: "-" };
  await new Promise<void>((resolve) => {
    const t = setInterval(() => {
      const now = Date.now();
      // Rates over windows of at least 2 s: workers report once a second.
      if (now - last.at >= 2000) {
        const secs = (now - last.at) / 1000;
        const live = Math.max(1, totals.joined - totals.disconnects);
        shown = {
          pps: ((totals.patches - last.patches) / secs / live).toFixed(1),
          kbps: ((totals.bytes - last.bytes) / secs / live / 1000).toFixed(2),
        };
        last = { at: now, patches: totals.patches, bytes: totals.bytes };
      }
      const p50 = sampleQuantile(0.5, rtt);
      bar.update(Math.min(runSeconds, Math.round((now - started) / 1000)), {
        joined: totals.joined,
        failed: totals.failed,
        drops: totals.disconnects,
        ...shown,
        rtt: Number.isNaN(p50) ? "-" : p50.toFixed(1),
      });
      // Steady-state figures are measured after the ramp.
      if (!windowStart && now - started >= ramp * 1000) {
        inSteadyWindow = true;
        windowStart = markWindow();
      }
      if (now - started >= runSeconds * 1000) {
        clearInterval(t);
        resolve();
      }
    }, 250);
  });
  const windowEnd = await markWindow();
  inSteadyWindow = false;
  const series = await timeline.stop();
  bar.stop();
  const start = await windowStart;
  const cost = await windowCost(start, windowEnd, {
    clients,
    live: Math.max(0, totals.joined - totals.disconnects),
    workers: workerCount,
    inputHz,
    rates: serverRates,
    elu: steadyElu,
    lagMaxMs: steadyLagMaxMs,
  });

  const measuredSeconds = start ? (windowEnd.at - start.at) / 1000 : NaN;
  const steady = {
    patches: windowEnd.totals.patches - (start?.totals.patches ?? 0),
    bytes: windowEnd.totals.bytes - (start?.totals.bytes ?? 0),
  };
  // A worker that died (its error is already recorded) or hangs must not hold the report.
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            errors.push("a worker did not stop within 10 s");
            resolve();
          }, 10_000);
          const done = () => {
            clearTimeout(timer);
            resolve();
          };
          w.on("message", (m: FromWorker) => {
            if (m.type === "stopped") {
              absorb(m.report);
              done();
            }
          });
          w.once("exit", done);
          send(w, { type: "stop" });
        }),
    ),
  );
  let tickAfter: Buckets = [];
  let flushAfter: Buckets = [];
  try {
    tickAfter = await fetchTickHistogram(httpUrl);
    flushAfter = await fetchTickHistogram(httpUrl, FLUSH_METRIC);
  } catch {
    /* see above */
  }
  const ticks = diffBuckets(tickAfter, tickBefore);
  const flushes = diffBuckets(flushAfter, flushBefore);
  await Promise.all(workers.map((w) => w.terminate()));
  if (local) await local.stop();
  if (totals.unseated > 0)
    errors.unshift(
      `${bots(totals.unseated)} never got a seat before the run ended (still waiting out the server's 429s, or joining)`,
    );

  const connected = Math.max(1, totals.joined);
  const result = {
    command: `npm run loadtest -- ${process.argv.slice(2).join(" ")}`.trim(),
    endpoint: local ? "local child process" : endpoint,
    startedAt: new Date(started).toISOString(),
    config: {
      bot,
      clients,
      rooms,
      /** Rooms the creator bots could create (fewer than `rooms`: an error, and the run failed). */
      roomsCreated,
      durationSeconds: duration,
      rampSeconds: ramp,
      workers: workerCount,
      inputHz,
      serverEnv: local ? serverEnv : undefined,
    },
    /**
     * joined + failed + unseated = clients. `unseated`: bots whose join had not settled when the
     * run ended (still waiting out 429s). `rateLimited`: seat requests the server answered 429
     * (its per-address limits), each waited out and retried.
     */
    clients: {
      joined: totals.joined,
      failed: totals.failed,
      unseated: totals.unseated,
      disconnects: totals.disconnects,
      rateLimited: totals.rateLimited,
    },
    perClient: {
      patchesPerSecond: round(steady.patches / measuredSeconds / connected),
      downstreamBytesPerSecond: round(steady.bytes / measuredSeconds / connected),
    },
    /** Players in a bot's state (itself included), mean over samples: what interest management lets through. Full bots only (thin: 0). */
    playersHeld: round(totals.heldSum / Math.max(1, totals.heldSamples), 1),
    /** Hits are counted by full bots only (thin bots do not read the shot messages: 0). */
    combat: { shots: totals.shots, hits: totals.hits },
    rttMs: { samples: rtt.length, p50: round(sampleQuantile(0.5, rtt)), p99: round(sampleQuantile(0.99, rtt)) },
    /** From a bot's last seat request (its 429 waits left out) to its joined room, over every join of the run. */
    joinMs: {
      samples: joinMs.length,
      p50: round(sampleQuantile(0.5, joinMs)),
      p99: round(sampleQuantile(0.99, joinMs)),
      max: round(Math.max(0, ...joinMs)),
    },
    /** Per bot that waited out 429s (joined or not): its waits in all. */
    rateLimitWaitMs: {
      bots: waitMs.length,
      p50: round(sampleQuantile(0.5, waitMs)),
      max: round(Math.max(0, ...waitMs)),
    },
    serverTickMs: {
      samples: ticks.at(-1)?.count ?? 0,
      p50: round(histogramQuantile(0.5, ticks) * 1000, 3),
      p99: round(histogramQuantile(0.99, ticks) * 1000, 3),
    },
    /** Encoding and sending after each group of steps: interest update, reliable patch when due, unreliable frames. */
    serverFlushMs: {
      samples: flushes.at(-1)?.count ?? 0,
      p50: round(histogramQuantile(0.5, flushes) * 1000, 3),
      p99: round(histogramQuantile(0.99, flushes) * 1000, 3),
    },
    /** The server process's CPU over the steady window, from /metrics (process_cpu_seconds_total). */
    serverCpu: cost.server,
    /** The bot process's own CPU over the steady window, and what the bots sent and received. */
    botCpu: cost.bots,
    warnings: cost.warnings,
    errors,
    /** About once a second over the run: the bots' counters and rates, and the server's from /metrics. */
    timeline: series,
  };

  console.log("\nTickwire load test report");
  for (const line of reportLines(result, measuredSeconds, costLines(cost))) console.log(`  ${line}`);

  const out =
    parsed.options.out ??
    path.resolve(HERE, "../results", `loadtest-${new Date(started).toISOString().replace(/[:.]/g, "-")}.json`);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`  JSON: ${path.relative(process.cwd(), out)}`);
  await writeFile(htmlPathFor(out), renderReport(result));
  console.log(`  HTML: ${path.relative(process.cwd(), htmlPathFor(out))}`);

  const ok = totals.failed === 0 && totals.disconnects === 0 && totals.joined === clients && roomsCreated === rooms;
  if (!ok)
    console.log("  FAILED: some joins failed, rooms could not be created, bots never got a seat, or clients dropped");
  return ok ? 0 : 1;
}

/** TICK_HZ and PATCH_HZ from the server's "listening" log line. */
function ratesFromLog(out: string): { tickHz: number; patchHz: number } | undefined {
  const tick = /"tickHz":(\d+)/.exec(out);
  const patch = /"patchHz":(\d+)/.exec(out);
  return tick && patch ? { tickHz: Number(tick[1]), patchHz: Number(patch[1]) } : undefined;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`loadtest: ${(err as Error).message}`);
    process.exit(2);
  },
);
