// Reads the server's tick-duration histogram from /metrics so the report can state the
// server's own p50/p99 over the run (the difference of two snapshots).

export type Buckets = Array<{ le: number; count: number }>;

/** The server's tick-duration histogram (seconds). */
export const TICK_METRIC = "tickwire_tick_duration_seconds";

export async function fetchTickHistogram(httpUrl: string, metric = TICK_METRIC): Promise<Buckets> {
  return parseHistogram(await (await fetch(`${httpUrl}/metrics`)).text(), metric);
}

/** A histogram's cumulative buckets from a /metrics text, by bound (empty when the text has none). */
export function parseHistogram(text: string, metric: string): Buckets {
  const out: Buckets = [];
  const pattern = new RegExp(`^${metric}_bucket\\{le="([^"]+)"\\} (\\S+)$`);
  for (const line of text.split("\n")) {
    const m = pattern.exec(line);
    if (m) out.push({ le: m[1] === "+Inf" ? Infinity : Number(m[1]), count: Number(m[2]) });
  }
  return out.sort((a, b) => a.le - b.le);
}

export function diffBuckets(after: Buckets, before: Buckets): Buckets {
  return after.map((b) => ({ le: b.le, count: b.count - (before.find((x) => x.le === b.le)?.count ?? 0) }));
}

/**
 * Quantile of a cumulative histogram, interpolated linearly inside the bucket (as Prometheus'
 * histogram_quantile does). Returns seconds, or NaN without samples.
 */
export function histogramQuantile(q: number, buckets: Buckets): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return prevLe + (b.le - prevLe) * (inBucket === 0 ? 0 : (rank - prevCount) / inBucket);
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** Exact quantile of raw samples (nearest rank). */
export function sampleQuantile(q: number, samples: number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** Every sample of a `/metrics` text, summed over labels by metric name (counters and gauges). */
export type MetricTotals = Map<string, number>;

export function parseMetricTotals(text: string): MetricTotals {
  const out: MetricTotals = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + v);
  }
  return out;
}

/** One scrape of the server's `/metrics`, and when it answered (`performance.now()` ms). */
export interface MetricsSnapshot {
  at: number;
  values: MetricTotals;
}

export async function fetchMetricTotals(httpUrl: string): Promise<MetricsSnapshot> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
  return { at: performance.now(), values: parseMetricTotals(text) };
}

/** The server process's CPU counter (prom-client default metrics, with the server's `tickwire_process_` prefix). */
export const SERVER_CPU_METRIC = "tickwire_process_process_cpu_seconds_total";

export interface ServerCost {
  /** CPU seconds per client per tick. */
  cpuPerClientTick: number;
  /** Clients one core serves at `tickHz`: 1 / (cpuPerClientTick × tickHz). */
  playersPerCore: number;
  /** Cores the server process used over the window. */
  cores: number;
}

/**
 * Server CPU per client-tick over a window: `cpuSeconds / (clients × windowSeconds × tickHz)`,
 * and the players one core serves at that tick rate.
 */
export function serverCost(cpuSeconds: number, windowSeconds: number, clients: number, tickHz: number): ServerCost {
  const perClientTick = cpuSeconds / (clients * windowSeconds * tickHz);
  return {
    cpuPerClientTick: perClientTick,
    playersPerCore: 1 / (perClientTick * tickHz),
    cores: cpuSeconds / windowSeconds,
  };
}
