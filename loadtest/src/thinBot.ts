import { performance } from "node:perf_hooks";
import {
  describeError,
  reserveSeat,
  roomUrl,
  type SeatReservation,
  type SocketHandlers,
  WsSocket,
} from "./thinWire.ts";
import { ServerFrame, serverFrame } from "./thinFrames.ts";
import { AckQueue, type LinkFleet, ThinLink } from "./thinLink.ts";
import { RateLimitWaits } from "./rateLimitWait.ts";

// A thin load-test bot: the wire behaviour of a Tickwire client (matchmaking over HTTP, the
// Colyseus 0.18 handshake, input frames at the tick rate, acknowledgements of the unreliable
// frames, a ping a second, a clean leave) and nothing else. It never decodes the state: it looks
// at the first bytes of each frame only. Every bot of a thread lives in one ThinFleet, driven by
// one timer, so one core can drive thousands of them while the server does the same work as for
// real clients. The fleet is here (joins, phases, timers, counters); one bot's link, what it
// sends and what it makes of what it receives, is in thinLink.ts; the bytes of its frames in
// thinFrames.ts; its network (seat reservation, room URL, socket) in thinWire.ts.

// The sizes of a bot's input frames (for reports), made in thinFrames.ts.
export { THIN_FRAME_BYTES, THIN_INPUT_REDUNDANCY } from "./thinFrames.ts";

/** Phases a tick period is split into: each bot sends in one of them, so sends do not come in one burst. */
const PHASES = 8;
/** After a stall longer than this many phases, skip ahead instead of sending a burst. */
const MAX_CATCH_UP_PHASES = PHASES * 2;

export interface ThinFleetOptions {
  /** `ws://host:port` of the server (its path, if any, is kept). */
  endpoint: string;
  /** Inputs per second per bot (default 30). */
  inputHz?: number;
  /** How long an ack may wait for an input frame to ride on before it goes alone, ms (default 20, as the SDK). */
  ackDelayMs?: number;
  /** Mean seconds between shots per bot (default 2). */
  fireEverySeconds?: number;
  /** Milliseconds a join (HTTP reservation and handshake) may take (default 10 000). */
  joinTimeoutMs?: number;
}

/** What a thin bot is asked to do. */
export interface ThinBotSpec {
  index: number;
  /** Join this room, or create a new arena when undefined. */
  roomId?: string;
  /** Display name (default `bot-<index>`). */
  name?: string;
}

/** One joined thin bot, as seen from outside. */
export interface ThinBotInfo {
  readonly index: number;
  readonly sessionId: string;
  readonly roomId: string;
}

/** Cumulative counters of a fleet. */
export interface ThinCounters {
  joined: number;
  failed: number;
  /** Joined bots whose socket closed without them leaving. */
  disconnects: number;
  /** WebSocket messages received, and their payload bytes. */
  messages: number;
  bytes: number;
  /** Bundles received (each counted once in `messages`; its parts counted below). */
  bundles: number;
  /** Reliable ROOM_STATE_PATCH frames and unreliable state frames received. */
  reliablePatches: number;
  unreliableFrames: number;
  inputsSent: number;
  /** Acks sent: riding in front of an input frame, or alone. */
  acksSent: number;
  bareAcks: number;
  pingsSent: number;
  shots: number;
  /** Seat requests answered 429 (over the server's per-address limits), each waited out and retried. */
  rateLimited: number;
}

function zeroCounters(): ThinCounters {
  return {
    joined: 0,
    failed: 0,
    disconnects: 0,
    messages: 0,
    bytes: 0,
    bundles: 0,
    reliablePatches: 0,
    unreliableFrames: 0,
    inputsSent: 0,
    acksSent: 0,
    bareAcks: 0,
    pingsSent: 0,
    shots: 0,
    rateLimited: 0,
  };
}

/** Hands out what `list` holds and leaves it empty. */
function takeAll<T>(list: T[]): T[] {
  return list.splice(0);
}

/**
 * The thin bots of one thread. `start()` starts the one timer that drives every bot's inputs,
 * acks and pings; `join()` adds a bot; `leaveAll()` leaves cleanly.
 *
 * @example
 * ```ts
 * const fleet = new ThinFleet({ endpoint: "ws://127.0.0.1:2567" });
 * fleet.start();
 * const host = await fleet.join({ index: 0 });
 * await fleet.join({ index: 1, roomId: host.roomId });
 * ```
 */
export class ThinFleet {
  readonly counters: ThinCounters = zeroCounters();
  /** RTT samples (ms) not yet taken by `takeRtt()`. */
  readonly #rtt: number[] = [];
  /** Join times (ms, from the last seat request) not yet taken by `takeJoinTimes()`. */
  readonly #joinTimes: number[] = [];
  /** Per bot that waited out 429s, its waits in all (ms), not yet taken by `takeWaitTimes()`. */
  readonly #waitTimes: number[] = [];
  readonly #errors: string[] = [];
  readonly #endpoint: string;
  readonly #joinTimeoutMs: number;
  readonly #phaseMs: number;
  readonly #phases: ThinLink[][] = Array.from({ length: PHASES }, () => []);
  readonly #bots = new Set<ThinLink>();
  /** The acks that wait to go alone. */
  readonly #acks = new AckQueue();
  /** What the fleet shares with its bots' links. */
  readonly #linkFleet: LinkFleet;
  #timer: ReturnType<typeof setInterval> | undefined;
  /** Set by leaveAll: a bot that completes its join afterwards leaves at once. */
  #stopping = false;
  #t0 = 0;
  #lastPhase = -1;
  #nextPhaseSlot = 0;
  /** Largest lateness of a phase (ms) since the last `takeLag()`, and phases skipped after stalls. */
  #lagMaxMs = 0;
  #phasesSkipped = 0;

  constructor(opts: ThinFleetOptions) {
    const inputHz = opts.inputHz ?? 30;
    this.#endpoint = opts.endpoint;
    this.#joinTimeoutMs = opts.joinTimeoutMs ?? 10_000;
    this.#phaseMs = 1000 / inputHz / PHASES;
    this.#linkFleet = {
      counters: this.counters,
      rtt: this.#rtt,
      acks: this.#acks,
      ackDelayMs: opts.ackDelayMs ?? 20,
      fireChance: 1 / ((opts.fireEverySeconds ?? 2) * inputHz),
      error: (message) => this.#error(message),
    };
  }

  /** Bots joined and still connected. */
  get live(): number {
    return this.#bots.size;
  }

  /** Starts the fleet's timer (once). */
  start(): void {
    if (this.#timer) return;
    this.#t0 = performance.now();
    this.#timer = setInterval(() => this.#wake(), Math.max(1, Math.floor(this.#phaseMs)));
  }

  /** Join times (ms) since the last call: from a bot's last seat request (its 429 waits left out) to its joined room. */
  takeJoinTimes(): number[] {
    return takeAll(this.#joinTimes);
  }

  /** Since the last call, per bot that settled its join (joined or not) after waiting out 429s: its waits in all, ms. */
  takeWaitTimes(): number[] {
    return takeAll(this.#waitTimes);
  }

  /** RTT samples since the last call. */
  takeRtt(): number[] {
    return takeAll(this.#rtt);
  }

  /** Errors since the last call (at most a few). */
  takeErrors(): string[] {
    return takeAll(this.#errors);
  }

  /** Largest lateness of the input schedule (ms) since the last call, and phases skipped after a stall. */
  takeLag(): { maxMs: number; skipped: number } {
    const out = { maxMs: this.#lagMaxMs, skipped: this.#phasesSkipped };
    this.#lagMaxMs = 0;
    this.#phasesSkipped = 0;
    return out;
  }

  /** Joins one bot: seat reservation, socket, handshake. Resolves once it has joined; rejects (and counts a failure) otherwise. */
  async join(spec: ThinBotSpec): Promise<ThinBotInfo> {
    const waits = new RateLimitWaits({
      onRateLimited: () => this.counters.rateLimited++,
      stopped: () => this.#stopping,
    });
    try {
      const seat = await reserveSeat(this.#endpoint, spec, waits);
      const info = await this.#connect(spec, seat);
      this.#joinTimes.push(waits.sinceLastTry());
      return info;
    } catch (err) {
      this.counters.failed++;
      this.#error((err as Error).message);
      throw err;
    } finally {
      if (waits.waitedMs > 0) this.#waitTimes.push(waits.waitedMs);
    }
  }

  /** Leaves every bot (Colyseus LEAVE_ROOM, then the server closes); sockets still open after `timeoutMs` are cut. */
  async leaveAll(timeoutMs = 3000): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    const closing: Array<Promise<void>> = [];
    for (const bot of this.#bots) {
      bot.leaving = true;
      closing.push(
        new Promise<void>((resolve) => {
          if (bot.closed) return resolve();
          bot.onClosed = resolve;
          bot.sendLeave();
        }),
      );
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(closing),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    for (const bot of this.#bots) if (!bot.closed) bot.ws.terminate();
  }

  #connect(spec: ThinBotSpec, seat: SeatReservation): Promise<ThinBotInfo> {
    const bot = new ThinLink({ index: spec.index, sessionId: seat.sessionId, roomId: seat.roomId }, this.#linkFleet);
    return new Promise<ThinBotInfo>((resolve, reject) => {
      let settled = false;
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        bot.ws.terminate();
        reject(new Error(message));
      };
      const timeout = setTimeout(() => fail(`join timed out after ${this.#joinTimeoutMs} ms`), this.#joinTimeoutMs);
      const handlers: SocketHandlers = {
        message: (data) => {
          if (bot.joinedAt !== 0) return bot.received(data);
          const kind = serverFrame(data[0]!);
          if (kind === ServerFrame.ERROR) return fail(`join refused: ${describeError(data)}`);
          if (kind !== ServerFrame.JOIN_ROOM) return;
          bot.answerJoin();
          settled = true;
          clearTimeout(timeout);
          if (this.#stopping) {
            // Joined while the fleet leaves: leave at once.
            bot.leaving = true;
            bot.sendLeave();
          } else this.#joined(bot);
          resolve({ index: bot.index, sessionId: bot.sessionId, roomId: bot.roomId });
        },
        error: (err) => {
          // Before the join, the join's failure records it.
          if (settled) this.#error(err.message);
          else fail(err.message);
        },
        close: (code, reason) => {
          bot.closed = true;
          bot.onClosed?.();
          if (!settled) return fail(`socket closed (${code}) before joining${reason ? `: ${reason}` : ""}`);
          if (!this.#bots.delete(bot)) return;
          this.#removeFromPhase(bot);
          if (!bot.leaving) {
            this.counters.disconnects++;
            this.#error(`bot ${bot.index} closed by the server (${code})${reason ? `: ${reason}` : ""}`);
          }
        },
      };
      const url = roomUrl(this.#endpoint, seat);
      try {
        bot.ws = new WsSocket(url, handlers);
      } catch (err) {
        fail((err as Error).message);
      }
    });
  }

  #joined(bot: ThinLink): void {
    bot.joined(performance.now());
    this.#bots.add(bot);
    // Round robin over the phases: each phase holds as many bots as the others, give or take one.
    this.#phases[this.#nextPhaseSlot]!.push(bot);
    this.#nextPhaseSlot = (this.#nextPhaseSlot + 1) % PHASES;
    this.counters.joined++;
  }

  #removeFromPhase(bot: ThinLink): void {
    for (const phase of this.#phases) {
      const i = phase.indexOf(bot);
      if (i >= 0) {
        phase[i] = phase[phase.length - 1]!;
        phase.pop();
        return;
      }
    }
  }

  /** The timer: inputs of the phases now due, then the acks that waited long enough. */
  #wake(): void {
    const now = performance.now();
    const due = Math.floor((now - this.#t0) / this.#phaseMs);
    if (due - this.#lastPhase > MAX_CATCH_UP_PHASES) {
      this.#phasesSkipped += due - this.#lastPhase - MAX_CATCH_UP_PHASES;
      this.#lastPhase = due - MAX_CATCH_UP_PHASES;
    }
    if (due > this.#lastPhase) {
      const late = now - (this.#t0 + (this.#lastPhase + 1) * this.#phaseMs);
      if (late > this.#lagMaxMs) this.#lagMaxMs = late;
    }
    while (this.#lastPhase < due) {
      this.#lastPhase++;
      const bots = this.#phases[this.#lastPhase % PHASES]!;
      for (let i = 0; i < bots.length; i++) bots[i]!.sendInput(now);
    }
    this.#acks.flush(now);
  }

  #error(message: string): void {
    if (this.#errors.length < 5) this.#errors.push(message);
  }
}
