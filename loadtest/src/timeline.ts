import { performance } from "node:perf_hooks";
import { FLUSH_METRIC } from "./cost.ts";
import { round } from "./numbers.ts";
import type { Totals } from "./protocol.ts";
import {
  type Buckets,
  diffBuckets,
  histogramQuantile,
  parseHistogram,
  parseMetricTotals,
  SERVER_CPU_METRIC,
  sampleQuantile,
  TICK_METRIC,
} from "./serverMetrics.ts";

// The load test over time, for the HTML report's charts: about once a second a point of the
// bots' counters (as of the newest worker report) and a scrape of the server's /metrics.

/** How often a point is taken. */
const SAMPLE_MS = 1000;
/**
 * The shortest interval a point closes: a rate over a few ms (the report asked for at the end
 * of the steady window, the run's last scrape) would be noise.
 */
const MIN_INTERVAL_MS = SAMPLE_MS / 2;
/** A /metrics scrape slower than this is given up (a stalled endpoint must not hold the run's end). */
const SCRAPE_TIMEOUT_MS = 2000;

/**
 * Column-wise series (one array per figure, the same length as `t`), ready for a chart.
 * `t` is seconds since the start of the ramp; a rate is over the interval up to its point, and
 * null where it has no data (the first point, an interval without RTT samples or ticks).
 */
export interface Timeline {
  sampleSeconds: number;
  bots: {
    t: number[];
    /** Cumulative counts. */
    joined: number[];
    failed: number[];
    disconnects: number[];
    patchesPerClientPerSecond: Array<number | null>;
    bytesPerClientPerSecond: Array<number | null>;
    /** Downstream bytes per second, all bots together. */
    bytesPerSecond: Array<number | null>;
    rttP50Ms: Array<number | null>;
    rttP99Ms: Array<number | null>;
  };
  /** From successive /metrics scrapes; null when fewer than two scrapes answered. */
  server: {
    t: number[];
    tickP99Ms: Array<number | null>;
    flushP99Ms: Array<number | null>;
    /** CPU seconds per second of the server process. */
    cpuCores: Array<number | null>;
  } | null;
  /** Why `server` is null. */
  serverUnavailable?: string;
}

interface BotMark {
  at: number;
  totals: Totals;
  rttCount: number;
}

interface ServerMark {
  at: number;
  tick: Buckets;
  flush: Buckets;
  cpu: number | undefined;
}

export class TimelineSampler {
  readonly #httpUrl: string;
  readonly #totals: Totals;
  readonly #rtt: readonly number[];
  #t0 = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #latest: BotMark | undefined;
  #lastPoint: BotMark | undefined;
  #lastScrape: ServerMark | undefined;
  #scraping: Promise<void> | undefined;
  #scrapeError: string | undefined;
  readonly #bots: Timeline["bots"] = {
    t: [],
    joined: [],
    failed: [],
    disconnects: [],
    patchesPerClientPerSecond: [],
    bytesPerClientPerSecond: [],
    bytesPerSecond: [],
    rttP50Ms: [],
    rttP99Ms: [],
  };
  readonly #server: NonNullable<Timeline["server"]> = { t: [], tickP99Ms: [], flushP99Ms: [], cpuCores: [] };

  /** `totals` and `rtt` are the coordinator's own, read (never written) as they grow. */
  constructor(httpUrl: string, totals: Totals, rtt: readonly number[]) {
    this.#httpUrl = httpUrl;
    this.#totals = totals;
    this.#rtt = rtt;
  }

  start(): void {
    this.#t0 = performance.now();
    this.noteReport();
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), SAMPLE_MS);
  }

  /**
   * Call after each worker report is added to the totals. Points are timed by these arrivals,
   * not by the sampler's timer: workers report once a second at their own phase, so a timer
   * tick can see no new report or two, but the counts between two arrivals span their time.
   */
  noteReport(): void {
    this.#latest = { at: performance.now(), totals: { ...this.#totals }, rttCount: this.#rtt.length };
  }

  /** Takes the last point (call after the workers' final reports) and returns the series. */
  async stop(): Promise<Timeline> {
    clearInterval(this.#timer);
    await this.#scraping;
    this.#sample();
    await this.#scraping;
    const enough = this.#server.t.length > 0;
    return {
      sampleSeconds: SAMPLE_MS / 1000,
      bots: this.#bots,
      server: enough ? this.#server : null,
      ...(enough ? {} : { serverUnavailable: this.#scrapeError ?? "fewer than two /metrics scrapes answered" }),
    };
  }

  #sample(): void {
    const m = this.#latest;
    const prev = this.#lastPoint;
    if (m && (!prev || m.at - prev.at >= MIN_INTERVAL_MS)) this.#pushBots(m);
    // One scrape at a time: a slow server gets fewer scrapes, not a queue of them.
    this.#scraping ??= this.#scrape().finally(() => {
      this.#scraping = undefined;
    });
  }

  #pushBots(m: BotMark): void {
    const prev = this.#lastPoint;
    this.#lastPoint = m;
    const s = this.#bots;
    s.t.push(round((m.at - this.#t0) / 1000, 2));
    s.joined.push(m.totals.joined);
    s.failed.push(m.totals.failed);
    s.disconnects.push(m.totals.disconnects);
    if (!prev) {
      for (const k of [
        "patchesPerClientPerSecond",
        "bytesPerClientPerSecond",
        "bytesPerSecond",
        "rttP50Ms",
        "rttP99Ms",
      ] as const)
        s[k].push(null);
      return;
    }
    const secs = (m.at - prev.at) / 1000;
    // Clients that joined or left inside the interval were there for part of it: the mean of its ends.
    const live = (m.totals.joined - m.totals.disconnects + prev.totals.joined - prev.totals.disconnects) / 2;
    const perSecond = (k: keyof Totals) => (m.totals[k] - prev.totals[k]) / secs;
    const perClient = (v: number) => (live > 0 ? round(v / live, 2) : null);
    s.patchesPerClientPerSecond.push(perClient(perSecond("patches")));
    s.bytesPerClientPerSecond.push(perClient(perSecond("bytes")));
    s.bytesPerSecond.push(round(perSecond("bytes"), 0));
    const rtt = this.#rtt.slice(prev.rttCount, m.rttCount);
    s.rttP50Ms.push(orNull(round(sampleQuantile(0.5, rtt), 2)));
    s.rttP99Ms.push(orNull(round(sampleQuantile(0.99, rtt), 2)));
  }

  async #scrape(): Promise<void> {
    let text: string;
    try {
      const res = await fetch(`${this.#httpUrl}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      text = await res.text();
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause?.message;
      this.#scrapeError = `/metrics not reachable (${(err as Error).message}${cause ? `: ${cause}` : ""})`;
      return;
    }
    const mark: ServerMark = {
      at: performance.now(),
      tick: parseHistogram(text, TICK_METRIC),
      flush: parseHistogram(text, FLUSH_METRIC),
      cpu: parseMetricTotals(text).get(SERVER_CPU_METRIC),
    };
    if (mark.tick.length === 0 && mark.cpu === undefined) {
      this.#scrapeError = "/metrics has no Tickwire tick histogram or process CPU";
      return;
    }
    const prev = this.#lastScrape;
    if (prev && mark.at - prev.at < MIN_INTERVAL_MS) return;
    this.#lastScrape = mark;
    if (!prev) return;
    const secs = (mark.at - prev.at) / 1000;
    const s = this.#server;
    s.t.push(round((mark.at - this.#t0) / 1000, 2));
    s.tickP99Ms.push(intervalP99Ms(mark.tick, prev.tick));
    s.flushP99Ms.push(intervalP99Ms(mark.flush, prev.flush));
    s.cpuCores.push(intervalCores(mark.cpu, prev.cpu, secs));
  }
}

/**
 * Server CPU cores between two scrapes; null without both, or when the counter went back (a
 * restarted server, or a load balancer answering from another process), as for the histograms.
 */
export function intervalCores(after: number | undefined, before: number | undefined, secs: number): number | null {
  if (after === undefined || before === undefined || after < before) return null;
  return orNull(round((after - before) / secs, 3));
}

/** p99 of the observations between two scrapes of a histogram, ms; null without any (or after a counter reset). */
function intervalP99Ms(after: Buckets, before: Buckets): number | null {
  const d = diffBuckets(after, before);
  if (d.some((b) => b.count < 0)) return null;
  return orNull(round(histogramQuantile(0.99, d) * 1000, 3));
}

function orNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
