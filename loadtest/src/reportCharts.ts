import type { ReportInput } from "./reportHtml.ts";

// The report's charts, as data for its page script (reportPage.js): which series of the
// timeline each one draws, in which unit, on which axis. The page script knows no figure.

export interface SeriesSpec {
  /** A column of `timeline.bots` or `timeline.server`. */
  key: string;
  label: string;
  color: string;
  /** The values are multiplied by this before drawing (e.g. B/s to kB/s). */
  factor?: number;
  unit: string;
  digits: number;
  /** On the right-hand axis. */
  right?: boolean;
  fill?: boolean;
  dash?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  note: string;
  source: "bots" | "server";
  /** Axis labels, with their units. */
  yLabel: string;
  rightLabel?: string;
  series: SeriesSpec[];
  /** Why there is nothing to draw (the panel says so instead of a chart). */
  missing?: string;
}

export function chartSpecs(timeline: ReportInput["timeline"] | null): ChartSpec[] {
  // The whole run's downstream in MB/s once it passes 1 MB/s, else kB/s.
  const peak = Math.max(0, ...(timeline?.bots.bytesPerSecond ?? []).map((v) => v ?? 0));
  const [total, totalFactor] = peak >= 1e6 ? ["MB/s", 1e-6] : ["kB/s", 1e-3];
  const specs: ChartSpec[] = [
    {
      id: "clients",
      title: "Clients",
      note: "joined, failed and dropped over the run (cumulative)",
      source: "bots",
      yLabel: "clients",
      series: [
        { key: "joined", label: "joined", color: "#38bdf8", unit: "", digits: 0, fill: true },
        { key: "failed", label: "failed", color: "#f43f5e", unit: "", digits: 0 },
        { key: "disconnects", label: "dropped", color: "#f59e0b", unit: "", digits: 0, dash: true },
      ],
    },
    {
      id: "rtt",
      title: "Round-trip time",
      note: "p50 and p99 of the pings answered in each interval",
      source: "bots",
      yLabel: "ms",
      series: [
        { key: "rttP50Ms", label: "p50", color: "#4ade80", unit: "ms", digits: 1, fill: true },
        { key: "rttP99Ms", label: "p99", color: "#facc15", unit: "ms", digits: 1 },
      ],
    },
    {
      id: "patches",
      title: "Patch rate",
      note: "state patches received per client per second (reliable + unreliable)",
      source: "bots",
      yLabel: "patches/s per client",
      series: [
        { key: "patchesPerClientPerSecond", label: "per client", color: "#a78bfa", unit: "/s", digits: 1, fill: true },
      ],
    },
    {
      id: "bandwidth",
      title: "Downstream bandwidth",
      note: `per client (left axis, kB/s) and all bots together (right axis, ${total})`,
      source: "bots",
      yLabel: "kB/s per client",
      rightLabel: `${total} total`,
      series: [
        {
          key: "bytesPerClientPerSecond",
          label: "per client",
          color: "#22d3ee",
          factor: 1e-3,
          unit: "kB/s",
          digits: 2,
          fill: true,
        },
        {
          key: "bytesPerSecond",
          label: "total",
          color: "#f472b6",
          factor: totalFactor,
          unit: total,
          digits: 2,
          right: true,
          dash: true,
        },
      ],
    },
    {
      id: "server-time",
      title: "Server tick and flush p99",
      note: "per interval, from the /metrics histograms",
      source: "server",
      yLabel: "ms",
      series: [
        { key: "tickP99Ms", label: "tick p99", color: "#60a5fa", unit: "ms", digits: 3, fill: true },
        { key: "flushP99Ms", label: "flush p99", color: "#fb923c", unit: "ms", digits: 3 },
      ],
    },
    {
      id: "server-cpu",
      title: "Server CPU",
      note: "cores the server process used (process_cpu_seconds_total)",
      source: "server",
      yLabel: "cores",
      series: [{ key: "cpuCores", label: "cores", color: "#34d399", unit: "cores", digits: 2, fill: true }],
    },
  ];
  for (const s of specs) {
    if (!timeline) s.missing = "no timeline in this result (written before the load tester sampled over the run)";
    else if (s.source === "server" && !timeline.server)
      s.missing = `no server metrics${timeline.serverUnavailable ? `: ${timeline.serverUnavailable}` : ""}`;
  }
  return specs;
}
