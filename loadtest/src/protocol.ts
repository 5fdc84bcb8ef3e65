// Messages between the load-test coordinator (main thread) and its bot workers.

/**
 * `full`: each bot is a real SDK connection (decodes the state, predicts, interpolates).
 * `thin`: each bot speaks the wire protocol only (see thinBot.ts): the same server work for a
 * fraction of the client work.
 */
export type BotKind = "thin" | "full";

export interface BotSpec {
  /** Global bot index, for names. */
  index: number;
  /** Join this room by id, or create a new room when undefined. */
  roomId?: string;
  /** Milliseconds after the spawn message to join (spreads joins over the ramp). */
  delayMs: number;
}

export type ToWorker =
  | { type: "spawn"; endpoint: string; bots: BotSpec[]; inputHz: number; bot: BotKind }
  | { type: "report-now" }
  | { type: "stop" };

/** Counters since the previous report (deltas), plus the RTT samples taken meanwhile. */
export interface WorkerReport {
  joined: number;
  failed: number;
  /**
   * Bots whose join had not settled when the run stopped (still waiting out 429s, or not yet
   * through the handshake): counted in the worker's final report only, so that joined + failed
   * + unseated = the bots it was given.
   */
  unseated: number;
  disconnects: number;
  /** State patches received: reliable patches plus unreliable frames. */
  patches: number;
  bytes: number;
  rttMs: number[];
  /** How long each join took, ms: from the last seat request (429 waits left out) to the joined room (the handshake done). */
  joinMs: number[];
  /** Per bot that waited out 429s before its join settled: its waits in all, ms. */
  rateLimitWaitMs: number[];
  /**
   * Players held in bots' states (themselves included), summed over samples: interest
   * management at work. Full bots only (thin bots hold no state: 0).
   */
  heldSum: number;
  heldSamples: number;
  /** Shots bots fired, and hits the server reported for them (thin bots do not read the shot messages: 0). */
  shots: number;
  hits: number;
  /** Inputs the bots sent. */
  inputsSent: number;
  /** Unreliable state frames received (also counted in `patches`). */
  unreliableFrames: number;
  /** Acknowledgements sent, and those of them sent alone. */
  acksSent: number;
  bareAcks: number;
  /** The worker's event loop utilisation over the period (0..1): near 1, the worker is the bottleneck. */
  elu: number;
  /** Thin bots: largest lateness of the input schedule in the period, in ms (0 for full bots). */
  lagMaxMs: number;
  /** Matchmaking requests answered 429 (over a per-address limit): the bot waited Retry-After and tried again. */
  rateLimited: number;
  /** Rooms created by this worker's bots in this period, by bot index. */
  created: Array<{ index: number; roomId: string }>;
  errors: string[];
}

/** The counters of a report that add up across workers and periods. */
export const COUNTERS = [
  "joined",
  "failed",
  "unseated",
  "disconnects",
  "patches",
  "bytes",
  "heldSum",
  "heldSamples",
  "shots",
  "hits",
  "inputsSent",
  "unreliableFrames",
  "acksSent",
  "bareAcks",
  "rateLimited",
] as const satisfies ReadonlyArray<keyof WorkerReport>;
export type Totals = Record<(typeof COUNTERS)[number], number>;

/** Every counter at 0. */
export function emptyTotals(): Totals {
  return Object.fromEntries(COUNTERS.map((k) => [k, 0])) as Totals;
}

/** Adds `report`'s counters into `into`. */
export function addCounters(into: Totals, report: Totals): void {
  for (const k of COUNTERS) into[k] += report[k];
}

export function emptyReport(): WorkerReport {
  return {
    joined: 0,
    failed: 0,
    unseated: 0,
    disconnects: 0,
    patches: 0,
    bytes: 0,
    rttMs: [],
    joinMs: [],
    rateLimitWaitMs: [],
    heldSum: 0,
    heldSamples: 0,
    shots: 0,
    hits: 0,
    inputsSent: 0,
    unreliableFrames: 0,
    acksSent: 0,
    bareAcks: 0,
    elu: 0,
    lagMaxMs: 0,
    rateLimited: 0,
    created: [],
    errors: [],
  };
}

/** `flushed`: the answer to a `report-now`. */
export type FromWorker =
  | { type: "report"; report: WorkerReport; flushed?: boolean }
  | { type: "stopped"; report: WorkerReport };
