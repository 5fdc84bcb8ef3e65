import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { PROCESS_RECENT_SAMPLES, RecentTimings } from "./recent.ts";

/** Prometheus metrics of one server process. Served as text on `/metrics`. */
export interface Metrics {
  readonly registry: Registry;
  /** The latest step and flush timings of every room together, for the monitor's live view. */
  readonly recent: RecentTimings;
  readonly tickDuration: Histogram;
  readonly tickLateness: Histogram;
  /** Time of one flush after the steps: interest update, reliable patch when due, unreliable frames. */
  readonly flushDuration: Histogram;
  /** Players entering or leaving a client's area of interest, by kind (`enter`, `leave`). */
  readonly interestChanges: Counter<"kind">;
  /**
   * The per-frame counts (frames and bytes each way, unreliable frames sent), kept as plain
   * numbers on the hot path and moved into their counters when `/metrics` is read.
   */
  readonly traffic: TrafficTally;
  /** Client messages ignored, by reason (`invalid_payload`, `unknown_message`). */
  readonly messagesRejected: Counter<"reason">;
  /** Inputs that had a value out of range (NaN, infinite, too large) and were clamped. */
  readonly inputsSanitized: Counter;
  /** Client connections that ended, by WebSocket close code. */
  readonly clientCloses: Counter<"code">;
  /** Unreliable frames not sent, by reason (`window`: unacknowledged frames fill the window; `backlog`: bytes waiting in user space). */
  readonly unreliableDropped: Counter<"reason">;
  /** Clients closed because their reliable backlog passed RELIABLE_BACKLOG_BYTES. */
  readonly backlogCloses: Counter;
  /** Joins refused for their token, by reason (`missing`, `expired`, `signature`, `algorithm`, `malformed`, `claims`). */
  readonly authRejected: Counter<"reason">;
  /** Rooms disposed because an exception escaped their code, by where it was thrown. */
  readonly roomCrashes: Counter<"method">;
  /** Clients closed for going over a limit, by limit (`rate`, `size`). */
  readonly limitCloses: Counter<"limit">;
  /** WebSocket upgrades refused because their Origin is not in ALLOWED_ORIGINS. */
  readonly originsRejected: Counter;
  /** Promise rejections nothing handled (logged; the process carries on). */
  readonly unhandledRejections: Counter;
  /** Requests answered 429 for going over a per-address limit, by limit (see RATE_LIMITS). */
  readonly rateLimited: Counter<"limit">;
}

/**
 * The per-address limits, as labelled on `tickwire_rate_limited_total`: rooms created per
 * window, matchmaking requests per second, the monitor's login back-off.
 */
export const RATE_LIMITS = ["room_create", "join", "monitor_login"] as const;
export type RateLimit = (typeof RATE_LIMITS)[number];

/** Counts added per frame; read into Prometheus counters at each scrape. */
export interface TrafficTally {
  framesSent: number;
  bytesSent: number;
  framesReceived: number;
  bytesReceived: number;
  /** Unreliable frames handed to a socket: deltas and keyframes. */
  unreliableDeltas: number;
  unreliableKeyframes: number;
}

export interface LiveCounts {
  rooms(): number;
  clients(): number;
  /** Clients with bytes waiting in user space, and those bytes. */
  backlog(): { clients: number; bytes: number };
}

export function createMetrics(live: LiveCounts): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "tickwire_process_" });
  const opts = { registers: [registry] };
  const traffic: TrafficTally = {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    unreliableDeltas: 0,
    unreliableKeyframes: 0,
  };
  /** A counter fed from `traffic[key]` when scraped. */
  const tallied = (name: string, help: string, key: keyof TrafficTally) =>
    new Counter({
      name,
      help,
      ...opts,
      collect() {
        this.inc(traffic[key]);
        traffic[key] = 0;
      },
    });
  tallied("tickwire_bytes_sent_total", "WebSocket payload bytes sent to clients", "bytesSent");
  tallied("tickwire_bytes_received_total", "WebSocket payload bytes received from clients", "bytesReceived");
  tallied("tickwire_messages_sent_total", "WebSocket frames sent to clients", "framesSent");
  tallied("tickwire_messages_received_total", "WebSocket frames received from clients", "framesReceived");
  new Counter({
    name: "tickwire_unreliable_frames_sent_total",
    help: "Unreliable frames sent, by kind",
    labelNames: ["kind"],
    ...opts,
    collect() {
      this.inc({ kind: "delta" }, traffic.unreliableDeltas);
      this.inc({ kind: "keyframe" }, traffic.unreliableKeyframes);
      traffic.unreliableDeltas = 0;
      traffic.unreliableKeyframes = 0;
    },
  });

  new Gauge({
    name: "tickwire_rooms",
    help: "Rooms hosted by this process",
    ...opts,
    collect() {
      this.set(live.rooms());
    },
  });
  new Gauge({
    name: "tickwire_clients",
    help: "Clients connected to this process",
    ...opts,
    collect() {
      this.set(live.clients());
    },
  });

  new Gauge({
    name: "tickwire_clients_backlogged",
    help: "Clients with bytes waiting in user space to be written",
    ...opts,
    collect() {
      this.set(live.backlog().clients);
    },
  });
  new Gauge({
    name: "tickwire_backlog_bytes",
    help: "Bytes waiting in user space to be written, all clients",
    ...opts,
    collect() {
      this.set(live.backlog().bytes);
    },
  });

  const rateLimited = new Counter({
    name: "tickwire_rate_limited_total",
    help: "HTTP requests refused with 429 because their client address went over a limit: room_create (rooms created per window), join (matchmaking requests per second), monitor_login (locked out after failed monitor logins)",
    labelNames: ["limit"],
    ...opts,
  });
  // Every label shows from the start, at 0, so that a rate over it means something at once.
  for (const limit of RATE_LIMITS) rateLimited.inc({ limit }, 0);

  return {
    registry,
    recent: new RecentTimings(PROCESS_RECENT_SAMPLES, undefined, true),
    rateLimited,
    tickDuration: new Histogram({
      name: "tickwire_tick_duration_seconds",
      help: "Time spent in one fixed simulation step, per room",
      // 50 us .. 50 ms: a 30 Hz tick has 33 ms in all.
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05],
      ...opts,
    }),
    flushDuration: new Histogram({
      name: "tickwire_flush_duration_seconds",
      help: "Time spent encoding and sending one flush (interest update, reliable patch when due, unreliable frames), per room",
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05],
      ...opts,
    }),
    interestChanges: new Counter({
      name: "tickwire_interest_changes_total",
      help: "Players entering or leaving a client's area of interest",
      labelNames: ["kind"],
      ...opts,
    }),
    tickLateness: new Histogram({
      name: "tickwire_tick_lateness_seconds",
      help: "How late a fixed step ran against its ideal time on the fixed grid",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25],
      ...opts,
    }),
    traffic,
    messagesRejected: new Counter({
      name: "tickwire_messages_rejected_total",
      help: "Client messages ignored, by reason",
      labelNames: ["reason"],
      ...opts,
    }),
    inputsSanitized: new Counter({
      name: "tickwire_inputs_sanitized_total",
      help: "Inputs with out-of-range values that were clamped",
      ...opts,
    }),
    clientCloses: new Counter({
      name: "tickwire_client_closes_total",
      help: "Client connections ended, by close code",
      labelNames: ["code"],
      ...opts,
    }),
    unreliableDropped: new Counter({
      name: "tickwire_unreliable_frames_dropped_total",
      help: "Unreliable frames dropped instead of queued, by reason",
      labelNames: ["reason"],
      ...opts,
    }),
    backlogCloses: new Counter({
      name: "tickwire_backpressure_closes_total",
      help: "Clients closed because their reliable backlog passed the limit",
      ...opts,
    }),
    authRejected: new Counter({
      name: "tickwire_auth_rejected_total",
      help: "Joins refused for their token, by reason",
      labelNames: ["reason"],
      ...opts,
    }),
    roomCrashes: new Counter({
      name: "tickwire_room_crashes_total",
      help: "Rooms disposed after an exception escaped their code, by where it was thrown",
      labelNames: ["method"],
      ...opts,
    }),
    limitCloses: new Counter({
      name: "tickwire_limit_closes_total",
      help: "Clients closed for going over a limit (rate, size)",
      labelNames: ["limit"],
      ...opts,
    }),
    originsRejected: new Counter({
      name: "tickwire_origins_rejected_total",
      help: "WebSocket upgrades refused for their Origin",
      ...opts,
    }),
    unhandledRejections: new Counter({
      name: "tickwire_unhandled_rejections_total",
      help: "Promise rejections nothing handled",
      ...opts,
    }),
  };
}
