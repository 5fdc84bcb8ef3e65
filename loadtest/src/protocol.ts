// Messages between the load-test coordinator (main thread) and its bot workers.

export interface BotSpec {
  /** Global bot index, for names. */
  index: number;
  /** Join this room by id, or create a new room when undefined. */
  roomId?: string;
  /** Milliseconds after the spawn message to join (spreads joins over the ramp). */
  delayMs: number;
}

export type ToWorker = { type: "spawn"; endpoint: string; bots: BotSpec[]; inputHz: number } | { type: "stop" };

/** Counters since the previous report (deltas), plus the RTT samples taken meanwhile. */
export interface WorkerReport {
  joined: number;
  failed: number;
  disconnects: number;
  patches: number;
  bytes: number;
  rttMs: number[];
  /** Players held in bots' states (themselves included), summed over samples: interest management at work. */
  heldSum: number;
  heldSamples: number;
  /** Shots bots fired, and hits the server reported for them. */
  shots: number;
  hits: number;
  /** Rooms created by this worker's bots in this period, by bot index. */
  created: Array<{ index: number; roomId: string }>;
  errors: string[];
}

export type FromWorker = { type: "report"; report: WorkerReport } | { type: "stopped"; report: WorkerReport };
