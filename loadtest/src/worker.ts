import { parentPort } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import {
  joinArenaById,
  createArena,
  TickwireClient,
  Buttons,
  COMBAT,
  type ArenaConnection,
} from "@tickwire/example-arena/client";
import { emptyReport, type BotSpec, type FromWorker, type ToWorker, type WorkerReport } from "./protocol.ts";
import { ThinFleet, type ThinCounters } from "./thinBot.ts";
import { RateLimitWaits, retryFromMessage } from "./rateLimitWait.ts";

// A bot worker: many bots on one thread, each joining, sending inputs at the tick rate with
// a wandering stick, firing now and then, and pinging once a second. Reports deltas to the
// coordinator every second. Full bots (SDK connections) aim at the nearest player they see;
// thin bots (thinBot.ts: wire protocol only, no state) fire blind. A worker runs one kind.

interface Bot {
  conn: ArenaConnection;
  seenPatches: number;
  seenBytes: number;
  seenUnreliable: number;
  seenAcks: number;
  seenBareAcks: number;
  heading: number;
  leaving: boolean;
}

const bots: Bot[] = [];
let report = emptyReport();
/** Set by the coordinator's stop: bots waiting out a 429 give up. */
let stopping = false;
/** Bots given to this worker whose join has not settled (joined or failed): unseated if the run stops now. */
let pending = 0;
let inputTimer: ReturnType<typeof setInterval> | undefined;
const timers: Array<ReturnType<typeof setTimeout>> = [];
/** Thin bots: the fleet, and its counters as of the last report. */
let fleet: ThinFleet | undefined;
let fleetSeen: ThinCounters | undefined;
let eluBefore = performance.eventLoopUtilization();

function post(msg: FromWorker): void {
  parentPort!.postMessage(msg);
}

function collect(): WorkerReport {
  for (const b of bots) {
    const c = b.conn.counters;
    report.patches += c.patches - b.seenPatches;
    report.bytes += c.bytesReceived - b.seenBytes;
    report.unreliableFrames += c.unreliableFrames - b.seenUnreliable;
    report.acksSent += c.acksSent - b.seenAcks;
    report.bareAcks += c.acksSent - c.acksPiggybacked - b.seenBareAcks;
    b.seenPatches = c.patches;
    b.seenBytes = c.bytesReceived;
    b.seenUnreliable = c.unreliableFrames;
    b.seenAcks = c.acksSent;
    b.seenBareAcks = c.acksSent - c.acksPiggybacked;
    const held = b.conn.state?.players?.size;
    if (held !== undefined) {
      report.heldSum += held;
      report.heldSamples++;
    }
  }
  if (fleet) collectThin(fleet);
  const elu = performance.eventLoopUtilization();
  report.elu = performance.eventLoopUtilization(elu, eluBefore).utilization;
  eluBefore = elu;
  const out = report;
  report = emptyReport();
  return out;
}

function collectThin(f: ThinFleet): void {
  const c = f.counters;
  const prev = fleetSeen;
  const d = (k: keyof ThinCounters) => c[k] - (prev?.[k] ?? 0);
  report.joined += d("joined");
  report.failed += d("failed");
  report.disconnects += d("disconnects");
  report.patches += d("reliablePatches") + d("unreliableFrames");
  report.unreliableFrames += d("unreliableFrames");
  report.bytes += d("bytes");
  report.inputsSent += d("inputsSent");
  report.acksSent += d("acksSent");
  report.bareAcks += d("bareAcks");
  report.shots += d("shots");
  report.rateLimited += d("rateLimited");
  fleetSeen = { ...c };
  report.rttMs.push(...f.takeRtt());
  report.joinMs.push(...f.takeJoinTimes());
  report.rateLimitWaitMs.push(...f.takeWaitTimes());
  for (const e of f.takeErrors()) if (report.errors.length < 5) report.errors.push(e);
  report.lagMaxMs = f.takeLag().maxMs;
}

function startThinBot(f: ThinFleet, spec: BotSpec): void {
  f.join({ index: spec.index, roomId: spec.roomId }).then(
    (bot) => {
      pending--;
      if (!spec.roomId) report.created.push({ index: spec.index, roomId: bot.roomId });
    },
    () => {
      pending--; // counted and recorded by the fleet
    },
  );
}

/**
 * Joins through the SDK; a refusal with 429 (the server's per-address limits: every bot shares
 * one address) is waited out and tried again, counted, as thin bots do (RateLimitWaits). The SDK
 * keeps the code but not the headers: the wait is read from the server's message, else 1 s.
 */
async function joinRateLimited(client: TickwireClient, spec: BotSpec, waits: RateLimitWaits): Promise<ArenaConnection> {
  for (;;) {
    try {
      return spec.roomId
        ? await joinArenaById(client, spec.roomId, { name: `bot-${spec.index}` })
        : await createArena(client, { name: `bot-${spec.index}` });
    } catch (err) {
      if ((err as { code?: unknown }).code !== 429) throw err;
      await waits.wait(retryFromMessage((err as Error).message) ?? 1000);
    }
  }
}

async function startBot(endpoint: string, spec: BotSpec): Promise<void> {
  const client = new TickwireClient(endpoint, { pingIntervalMs: 0 });
  const waits = new RateLimitWaits({ onRateLimited: () => report.rateLimited++, stopped: () => stopping });
  try {
    const conn = await joinRateLimited(client, spec, waits);
    report.joinMs.push(waits.sinceLastTry());
    if (!spec.roomId) report.created.push({ index: spec.index, roomId: conn.roomId });
    const bot: Bot = {
      conn,
      seenPatches: 0,
      seenBytes: 0,
      seenUnreliable: 0,
      seenAcks: 0,
      seenBareAcks: 0,
      heading: Math.random() * Math.PI * 2,
      leaving: false,
    };
    conn.on("shots", ({ shots }) => {
      for (const shot of shots) if (shot.shooter === conn.sessionId && shot.hit) report.hits++;
    });
    conn.on("leave", () => {
      if (!bot.leaving) report.disconnects++;
    });
    conn.room.onDrop(() => {
      if (!bot.leaving) report.disconnects++;
    });
    bots.push(bot);
    report.joined++;
  } catch (err) {
    report.failed++;
    if (report.errors.length < 5) report.errors.push((err as Error).message);
  } finally {
    pending--;
    if (waits.waitedMs > 0) report.rateLimitWaitMs.push(waits.waitedMs);
  }
}

function tickInputs(): void {
  for (const b of bots) {
    if (b.conn.closed) continue;
    // Wander: small random turns, so bots spread over the world instead of piling on a wall.
    b.heading += (Math.random() - 0.5) * 0.3;
    const target = Math.random() < FIRE_CHANCE ? nearestOther(b.conn) : undefined;
    if (target) report.shots++;
    report.inputsSent++;
    b.conn.sendInput({
      moveX: Math.cos(b.heading),
      moveY: Math.sin(b.heading),
      aim: target ? target.aim : b.heading,
      buttons: target ? Buttons.FIRE : 0,
    });
  }
}

/** Per input: about one shot every two seconds at 30 inputs a second. */
const FIRE_CHANCE = 1 / 60;

/** The aim at the nearest living player in weapon range among those this bot's client holds. */
function nearestOther(conn: ArenaConnection): { aim: number } | undefined {
  const me = conn.self;
  if (!me?.alive) return undefined;
  let best: { aim: number; d: number } | undefined;
  conn.state.players.forEach((p, id) => {
    if (id === conn.sessionId || !p.alive) return;
    const d = Math.hypot(p.x - me.x, p.y - me.y);
    if (d <= COMBAT.WEAPON_RANGE && (!best || d < best.d)) best = { aim: Math.atan2(p.y - me.y, p.x - me.x), d };
  });
  return best;
}

function pingAll(): void {
  for (const b of bots) {
    if (b.conn.closed || !b.conn.room.connection?.isOpen) continue;
    b.conn.room.ping((ms) => report.rttMs.push(ms));
  }
}

parentPort!.on("message", async (msg: ToWorker) => {
  if (msg.type === "spawn") {
    pending += msg.bots.length;
    if (msg.bot === "thin") {
      // One fleet and one timer for all of this worker's thin bots.
      if (!fleet) {
        fleet = new ThinFleet({ endpoint: msg.endpoint, inputHz: msg.inputHz });
        fleet.start();
      }
      const f = fleet;
      for (const spec of msg.bots) timers.push(setTimeout(() => startThinBot(f, spec), spec.delayMs));
      return;
    }
    for (const spec of msg.bots) timers.push(setTimeout(() => void startBot(msg.endpoint, spec), spec.delayMs));
    inputTimer ??= setInterval(tickInputs, 1000 / msg.inputHz);
    return;
  }
  if (msg.type === "report-now") {
    post({ type: "report", report: collect(), flushed: true });
    return;
  }
  // stop
  stopping = true;
  for (const t of timers) clearTimeout(t);
  if (inputTimer) clearInterval(inputTimer);
  const final = collect();
  // Counted once, here: whatever these bots do after this report is not reported.
  final.unseated = pending;
  for (const b of bots) b.leaving = true;
  await Promise.allSettled([...bots.map((b) => b.conn.leave()), fleet?.leaveAll()]);
  post({ type: "stopped", report: final });
});

setInterval(() => {
  pingAll();
  post({ type: "report", report: collect() });
}, 1000).unref();
