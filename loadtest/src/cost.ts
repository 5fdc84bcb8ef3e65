import { performance } from "node:perf_hooks";
import { mean, round } from "./numbers.ts";
import type { Totals } from "./protocol.ts";
import { fetchMetricTotals, SERVER_CPU_METRIC, serverCost, type MetricsSnapshot } from "./serverMetrics.ts";

// The cost of a load-test run over its steady window: the server's CPU per client-tick (from
// its process CPU counter on /metrics), the bot process's own CPU, the frames each way, and
// warnings when the bots rather than the server were the bottleneck.

/** Flushes counted by the server's flush-duration histogram. */
export const FLUSH_METRIC = "tickwire_flush_duration_seconds";
const FLUSH_COUNT_METRIC = `${FLUSH_METRIC}_count`;

/** One end of the steady window: the bot process's CPU, the bots' counters, a /metrics scrape. */
export interface WindowEnd {
  at: number;
  cpu: NodeJS.CpuUsage;
  totals: Totals;
  server: Promise<MetricsSnapshot | undefined>;
}

export function windowMark(httpUrl: string, totals: Totals): WindowEnd {
  return {
    at: performance.now(),
    cpu: process.cpuUsage(),
    totals: { ...totals },
    server: fetchMetricTotals(httpUrl).catch(() => undefined),
  };
}

export interface Cost {
  server:
    | {
        windowSeconds: number;
        /** Connected clients (the server's tickwire_clients gauge, mean of the window's ends). */
        clients: number;
        tickHz: number;
        /** Where tickHz comes from: the server's start-up log, or ticks counted on /metrics. */
        tickHzFrom: "server log" | "measured" | "assumed";
        cpuSeconds: number;
        cores: number;
        cpuPerClientTickUs: number;
        playersPerCore: number;
        /** Frames the server received per client per second (inputs, acks sent alone, pings; tickwire_messages_received_total). */
        framesReceivedPerClientPerSecond: number;
        framesSentPerClientPerSecond: number;
        unreliableSentPerClientPerSecond: number;
        unreliableDroppedPerClientPerSecond: number;
        /** Flushes (encode + send after the steps) per room per second: under the tick rate, the server is behind. */
        flushesPerRoomPerSecond: number;
      }
    | undefined;
  bots:
    | {
        windowSeconds: number;
        /** Cores the whole bot process used (main thread and workers): process.cpuUsage() over the window. */
        processCores: number;
        cpuPerBotTickUs: number;
        botsPerBotCore: number;
        workerEluMean: number;
        workerEluMax: number;
        inputScheduleLagMaxMs: number;
        inputsPerClientPerSecond: number;
        patchesPerClientPerSecond: number;
        unreliableFramesPerClientPerSecond: number;
        acksPerClientPerSecond: number;
        bareAcksPerClientPerSecond: number;
      }
    | undefined;
  warnings: string[];
}

export async function windowCost(
  start: WindowEnd | undefined,
  end: WindowEnd | undefined,
  opts: {
    clients: number;
    live: number;
    workers: number;
    inputHz: number;
    rates: { tickHz: number; patchHz: number } | undefined;
    /** Worker event loop utilisation, one sample per worker report in the window. */
    elu: number[];
    lagMaxMs: number;
  },
): Promise<Cost> {
  const warnings: string[] = [];
  if (!start || !end) {
    return { server: undefined, bots: undefined, warnings: ["no steady window (the run ended during the ramp)"] };
  }
  const seconds = (end.at - start.at) / 1000;
  const live = Math.max(1, opts.live);
  const cpuUs = end.cpu.user + end.cpu.system - start.cpu.user - start.cpu.system;
  const processCores = cpuUs / 1e6 / seconds;
  const perClientSecond = (k: keyof WindowEnd["totals"]) => (end.totals[k] - start.totals[k]) / seconds / live;
  const bots: NonNullable<Cost["bots"]> = {
    windowSeconds: round(seconds, 2),
    processCores: round(processCores, 3),
    cpuPerBotTickUs: round(cpuUs / (live * seconds * opts.inputHz), 3),
    botsPerBotCore: opts.live > 0 ? Math.round(live / Math.max(processCores, 1e-9)) : NaN,
    workerEluMean: round(mean(opts.elu), 3),
    workerEluMax: round(Math.max(0, ...opts.elu), 3),
    inputScheduleLagMaxMs: round(opts.lagMaxMs, 1),
    inputsPerClientPerSecond: round(perClientSecond("inputsSent"), 2),
    patchesPerClientPerSecond: round(perClientSecond("patches"), 2),
    unreliableFramesPerClientPerSecond: round(perClientSecond("unreliableFrames"), 2),
    acksPerClientPerSecond: round(perClientSecond("acksSent"), 2),
    bareAcksPerClientPerSecond: round(perClientSecond("bareAcks"), 2),
  };

  let server: Cost["server"];
  const [s0, s1] = await Promise.all([start.server, end.server]);
  if (s0 && s1 && s0.values.has(SERVER_CPU_METRIC)) {
    const d = (name: string) => (s1.values.get(name) ?? 0) - (s0.values.get(name) ?? 0);
    const sSeconds = (s1.at - s0.at) / 1000;
    const gauge = ((s0.values.get("tickwire_clients") ?? NaN) + (s1.values.get("tickwire_clients") ?? NaN)) / 2;
    const clients = Number.isFinite(gauge) && gauge > 0 ? gauge : live;
    const rooms = ((s0.values.get("tickwire_rooms") ?? 0) + (s1.values.get("tickwire_rooms") ?? 0)) / 2;
    const measuredTickHz = rooms > 0 ? d("tickwire_tick_duration_seconds_count") / sSeconds / rooms : NaN;
    const tickHz = opts.rates?.tickHz ?? (Number.isFinite(measuredTickHz) ? Math.round(measuredTickHz) : 30);
    const tickHzFrom = opts.rates ? "server log" : Number.isFinite(measuredTickHz) ? "measured" : "assumed";
    const cpuSeconds = d(SERVER_CPU_METRIC);
    const c = serverCost(cpuSeconds, sSeconds, clients, tickHz);
    const perClient = (name: string) => round(d(name) / sSeconds / clients, 2);
    server = {
      windowSeconds: round(sSeconds, 2),
      clients: round(clients, 1),
      tickHz,
      tickHzFrom,
      cpuSeconds: round(cpuSeconds, 3),
      cores: round(c.cores, 3),
      cpuPerClientTickUs: round(c.cpuPerClientTick * 1e6, 2),
      playersPerCore: Math.round(c.playersPerCore),
      framesReceivedPerClientPerSecond: perClient("tickwire_messages_received_total"),
      framesSentPerClientPerSecond: perClient("tickwire_messages_sent_total"),
      unreliableSentPerClientPerSecond: perClient("tickwire_unreliable_frames_sent_total"),
      unreliableDroppedPerClientPerSecond: perClient("tickwire_unreliable_frames_dropped_total"),
      flushesPerRoomPerSecond: rooms > 0 ? round(d(FLUSH_COUNT_METRIC) / sSeconds / rooms, 1) : NaN,
    };
    // A room flushes after each step, or once after the steps of a late timer: fewer flushes
    // than ticks means the server is behind (it catches up steps in bursts).
    if (server.flushesPerRoomPerSecond < 0.9 * tickHz)
      warnings.push(
        `the server flushed ${server.flushesPerRoomPerSecond} times per room-second for a ${tickHz} Hz tick: the server is behind (saturated), so every per-client rate is lower`,
      );
    const sent = d("tickwire_unreliable_frames_sent_total");
    const dropped = d("tickwire_unreliable_frames_dropped_total");
    // A few percent are dropped at any load (the ack window at work, full SDK bots alike).
    if (dropped > 0.1 * (sent + dropped))
      warnings.push(
        `the server dropped ${((100 * dropped) / (sent + dropped)).toFixed(1)} % of unreliable frames (clients read or acknowledged late): the bots or the machine may be the bottleneck`,
      );
  }

  // The bots as the bottleneck: their process near the cores its workers can use, a worker's
  // loop saturated, or the rates they achieved short of the target.
  if (processCores >= 0.9 * opts.workers)
    warnings.push(
      `the bot process used ${processCores.toFixed(2)} cores for ${opts.workers} worker thread(s): the bots may be the bottleneck (add --workers, or use --bot thin)`,
    );
  // The mean: a single busy second (a join burst, a GC, the machine's other process) is no verdict.
  if (bots.workerEluMean >= 0.85)
    warnings.push(
      `the bot workers' event loops were ${(bots.workerEluMean * 100).toFixed(0)} % busy on average: the bots may be the bottleneck`,
    );
  if (bots.inputsPerClientPerSecond < 0.9 * opts.inputHz)
    warnings.push(
      `bots sent ${bots.inputsPerClientPerSecond} inputs/s per client, more than 10 % under the target ${opts.inputHz}`,
    );
  // Bots that read late receive fewer unreliable frames than the server sent them in the window
  // (both sides count the same frames; with no /metrics, one a tick is the target).
  const unreliableTarget = server?.unreliableSentPerClientPerSecond ?? opts.rates?.tickHz;
  if (unreliableTarget !== undefined && bots.unreliableFramesPerClientPerSecond < 0.9 * unreliableTarget)
    warnings.push(
      `bots received ${bots.unreliableFramesPerClientPerSecond} unreliable frames/s per client, more than 10 % under the ${unreliableTarget} ${server ? "the server sent them" : "of the tick rate"}: the bots read late`,
    );
  return { server, bots, warnings };
}

/** The cost figures as report lines. */
export function costLines(cost: Cost): string[] {
  const out: string[] = [];
  const s = cost.server;
  if (s) {
    out.push(
      `server CPU: ${s.cores} cores for ${s.clients} clients at ${s.tickHz} Hz (${s.tickHzFrom}) = ${s.cpuPerClientTickUs} us per client-tick, ${s.playersPerCore} players per core (steady ${s.windowSeconds} s, process_cpu_seconds_total)`,
      `server frames per client: ${s.framesReceivedPerClientPerSecond}/s received (inputs, lone acks, pings), ${s.framesSentPerClientPerSecond}/s sent; unreliable ${s.unreliableSentPerClientPerSecond}/s sent, ${s.unreliableDroppedPerClientPerSecond}/s dropped; ${s.flushesPerRoomPerSecond} flushes per room-second`,
    );
  } else out.push("server CPU: not measured (no /metrics with process_cpu_seconds_total)");
  const b = cost.bots;
  if (b) {
    out.push(
      `bot process CPU: ${b.processCores} cores = ${b.cpuPerBotTickUs} us per bot-input, ${b.botsPerBotCore} bots per bot core; worker loop busy ${(b.workerEluMean * 100).toFixed(0)} % mean, ${(b.workerEluMax * 100).toFixed(0)} % max; input schedule lag max ${b.inputScheduleLagMaxMs} ms`,
      `bots per client: ${b.inputsPerClientPerSecond} inputs/s sent, ${b.patchesPerClientPerSecond} patches/s received (${b.unreliableFramesPerClientPerSecond} unreliable), ${b.acksPerClientPerSecond} acks/s (${b.bareAcksPerClientPerSecond} alone)`,
    );
  }
  return out;
}
