// Reads the server's tick-duration histogram from /metrics so the report can state the
// server's own p50/p99 over the run (the difference of two snapshots).

export type Buckets = Array<{ le: number; count: number }>;

export async function fetchTickHistogram(httpUrl: string, metric = "tickwire_tick_duration_seconds"): Promise<Buckets> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text();
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
