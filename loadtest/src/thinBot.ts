import { performance } from "node:perf_hooks";
import {
  type BotSocket,
  describeError,
  NO_SOCKET,
  reserveSeat,
  roomUrl,
  type SeatReservation,
  type SocketHandlers,
  WsSocket,
} from "./thinWire.ts";
import { RateLimitWaits } from "./rateLimitWait.ts";
import { Buttons, PlayerInput } from "@tickwire/example-arena/shared";
import {
  ACK_HEADER_BYTES,
  BUNDLE_CODE,
  forEachBundled,
  helloFrame,
  inputCodecOf,
  inputFrameBytes,
  seqNewer,
  UNRELIABLE_PATCH_BYTE,
  writeAckHeader,
  writeInputFrame,
} from "@tickwire/shared/protocol";

// A thin load-test bot: the wire behaviour of a Tickwire client (matchmaking over HTTP, the
// Colyseus 0.18 handshake, input frames at the tick rate, acknowledgements of the unreliable
// frames, a ping a second, a clean leave) and nothing else. It never decodes the state: it looks
// at the first bytes of each frame only. Every bot of a thread lives in one ThinFleet, driven by
// one timer, so one core can drive thousands of them while the server does the same work as for
// real clients.

/** Colyseus 0.18 protocol codes (`@colyseus/shared-types` Protocol), low 5 bits of the first byte. */
const JOIN_ROOM = 10;
const ERROR = 11;
const LEAVE_ROOM = 12;
const ROOM_STATE_PATCH = 15;
const PING = 18;
const CODE_MASK = 0x1f;

/** Inputs each frame carries: the newest and the two before it (as the SDK's INPUT_REDUNDANCY). */
export const THIN_INPUT_REDUNDANCY = 3;
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

type InputRecord = { moveX: number; moveY: number; aim: number; buttons: number; viewTick: number };

interface Bot extends ThinBotInfo {
  /** NO_SOCKET until the socket is made. */
  ws: BotSocket;
  joinedAt: number;
  leaving: boolean;
  closed: boolean;
  /** Called once the socket has closed (a leave waits on it). */
  onClosed: (() => void) | undefined;
  seq: number;
  heading: number;
  /** The newest inputs sent, newest first (objects reused). */
  recent: InputRecord[];
  /** Newest unreliable seq seen (0 before any), and the ack waiting to go out. */
  newest: number;
  ackPending: boolean;
  ackSeq: number;
  /** When the newest unacknowledged frame arrived; and when the pending ack must go alone. */
  ackAt: number;
  ackDue: number;
  pingSentAt: number;
  nextPingAt: number;
  /** The message being walked (for the bundle part callback). */
  current: Buffer;
  onPart: (offset: number, length: number) => void;
}

/** Shared between all fleets of a thread: the frames are written here, then copied as they are masked. */
const scratch = Buffer.alloc(ACK_HEADER_BYTES + 256);
/** A view of `scratch` per length, made once (no view object per send). */
const views: Buffer[] = [];
function scratchView(length: number): Buffer {
  let v = views[length];
  if (!v) {
    v = scratch.subarray(0, length);
    views[length] = v;
  }
  return v;
}

const codec = inputCodecOf(PlayerInput);
const HELLO = helloFrame();
const ONE_BYTE: Record<number, Buffer> = {
  [JOIN_ROOM]: Buffer.from([JOIN_ROOM]),
  [LEAVE_ROOM]: Buffer.from([LEAVE_ROOM]),
  [PING]: Buffer.from([PING]),
};

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
  #rtt: number[] = [];
  /** Join times (ms, from the last seat request) not yet taken by `takeJoinTimes()`. */
  #joinTimes: number[] = [];
  /** Per bot that waited out 429s, its waits in all (ms), not yet taken by `takeWaitTimes()`. */
  #waitTimes: number[] = [];
  #errors: string[] = [];
  readonly #endpoint: string;
  readonly #inputHz: number;
  readonly #ackDelayMs: number;
  readonly #fireChance: number;
  readonly #joinTimeoutMs: number;
  readonly #phaseMs: number;
  readonly #phases: Bot[][] = Array.from({ length: PHASES }, () => []);
  readonly #bots = new Set<Bot>();
  /** Bots whose ack waits, in the order it must go alone (parallel arrays, a queue). */
  #ackBots: Bot[] = [];
  #ackDue: number[] = [];
  #ackHead = 0;
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
    this.#endpoint = opts.endpoint;
    this.#inputHz = opts.inputHz ?? 30;
    this.#ackDelayMs = opts.ackDelayMs ?? 20;
    this.#fireChance = 1 / ((opts.fireEverySeconds ?? 2) * this.#inputHz);
    this.#joinTimeoutMs = opts.joinTimeoutMs ?? 10_000;
    this.#phaseMs = 1000 / this.#inputHz / PHASES;
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
    const out = this.#joinTimes;
    this.#joinTimes = [];
    return out;
  }

  /** Since the last call, per bot that settled its join (joined or not) after waiting out 429s: its waits in all, ms. */
  takeWaitTimes(): number[] {
    const out = this.#waitTimes;
    this.#waitTimes = [];
    return out;
  }

  /** RTT samples since the last call. */
  takeRtt(): number[] {
    const out = this.#rtt;
    this.#rtt = [];
    return out;
  }

  /** Errors since the last call (at most a few). */
  takeErrors(): string[] {
    const out = this.#errors;
    this.#errors = [];
    return out;
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
          bot.ws.send(ONE_BYTE[LEAVE_ROOM]!);
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
    const bot: Bot = {
      index: spec.index,
      sessionId: seat.sessionId,
      roomId: seat.roomId,
      ws: NO_SOCKET,
      joinedAt: 0,
      leaving: false,
      closed: false,
      onClosed: undefined,
      seq: 0,
      heading: Math.random() * Math.PI * 2,
      recent: [],
      newest: 0,
      ackPending: false,
      ackSeq: 0,
      ackAt: 0,
      ackDue: 0,
      pingSentAt: 0,
      nextPingAt: 0,
      current: scratch,
      onPart: () => {},
    };
    bot.onPart = (offset, length) => this.#part(bot, bot.current, offset, length);

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
          if (bot.joinedAt !== 0) return this.#message(bot, data);
          if ((data[0]! & CODE_MASK) === ERROR) return fail(`join refused: ${describeError(data)}`);
          if ((data[0]! & CODE_MASK) !== JOIN_ROOM) return;
          // Acknowledge JOIN_ROOM (the server then sends the full state), then an ack of
          // nothing: this client acknowledges, so its frames go through the ack window at once;
          // the hello behind it says that it reads bundles.
          bot.ws.send(ONE_BYTE[JOIN_ROOM]!);
          writeAckHeader(scratch, { seq: 0, heldMs: 0 });
          scratch.set(HELLO, ACK_HEADER_BYTES);
          bot.ws.send(scratchView(ACK_HEADER_BYTES + HELLO.byteLength));
          this.counters.acksSent++;
          this.counters.bareAcks++;
          settled = true;
          clearTimeout(timeout);
          if (this.#stopping) {
            // Joined while the fleet leaves: leave at once.
            bot.leaving = true;
            bot.ws.send(ONE_BYTE[LEAVE_ROOM]!);
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

  #joined(bot: Bot): void {
    const now = performance.now();
    bot.joinedAt = now;
    // The first ping goes at a random moment of the first second: pings spread too.
    bot.nextPingAt = now + Math.random() * 1000;
    this.#bots.add(bot);
    // Round robin over the phases: each phase holds as many bots as the others, give or take one.
    this.#phases[this.#nextPhaseSlot]!.push(bot);
    this.#nextPhaseSlot = (this.#nextPhaseSlot + 1) % PHASES;
    this.counters.joined++;
  }

  #removeFromPhase(bot: Bot): void {
    for (const phase of this.#phases) {
      const i = phase.indexOf(bot);
      if (i >= 0) {
        phase[i] = phase[phase.length - 1]!;
        phase.pop();
        return;
      }
    }
  }

  #message(bot: Bot, data: Buffer): void {
    this.counters.messages++;
    this.counters.bytes += data.byteLength;
    if (data[0] === BUNDLE_CODE) {
      this.counters.bundles++;
      bot.current = data;
      forEachBundled(data, bot.onPart);
      bot.current = scratch;
      return;
    }
    this.#part(bot, data, 0, data.byteLength);
  }

  /** One server frame, from its first bytes only. */
  #part(bot: Bot, data: Buffer, offset: number, length: number): void {
    const first = data[offset]!;
    if (first === UNRELIABLE_PATCH_BYTE) {
      this.counters.unreliableFrames++;
      if (length < 3) return;
      const seq = data[offset + 1]! | (data[offset + 2]! << 8);
      // Acknowledge the newest frame only; an older one arriving late changes nothing.
      if (bot.newest !== 0 && !seqNewer(seq, bot.newest)) return;
      bot.newest = seq;
      const now = performance.now();
      bot.ackSeq = seq;
      bot.ackAt = now;
      if (!bot.ackPending) {
        bot.ackPending = true;
        bot.ackDue = now + this.#ackDelayMs;
        this.#ackBots.push(bot);
        this.#ackDue.push(bot.ackDue);
      }
      return;
    }
    switch (first & CODE_MASK) {
      case ROOM_STATE_PATCH:
        this.counters.reliablePatches++;
        return;
      case PING:
        if (bot.pingSentAt > 0) {
          this.#rtt.push(performance.now() - bot.pingSentAt);
          bot.pingSentAt = 0;
        }
        return;
      case LEAVE_ROOM:
        // The server asks the client to leave: the SDK answers with LEAVE_ROOM.
        if (!bot.leaving) bot.ws.send(ONE_BYTE[LEAVE_ROOM]!);
        return;
      case ERROR:
        this.#error(`server error to bot ${bot.index}: ${describeError(data.subarray(offset, offset + length))}`);
        return;
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
      for (let i = 0; i < bots.length; i++) this.#sendInput(bots[i]!, now);
    }
    this.#flushAcks(now);
  }

  #flushAcks(now: number): void {
    const bots = this.#ackBots;
    const dues = this.#ackDue;
    let head = this.#ackHead;
    while (head < bots.length && dues[head]! <= now) {
      const bot = bots[head]!;
      head++;
      // An ack that rode on an input meanwhile is gone; a newer wait has its own entry further on.
      if (!bot.ackPending || bot.ackDue > now || bot.closed) continue;
      bot.ackPending = false;
      writeAckHeader(scratch, { seq: bot.ackSeq, heldMs: now - bot.ackAt });
      this.#send(bot, scratchView(ACK_HEADER_BYTES));
      this.counters.acksSent++;
      this.counters.bareAcks++;
    }
    if (head === bots.length) {
      bots.length = 0;
      dues.length = 0;
      head = 0;
    } else if (head > 4096) {
      bots.splice(0, head);
      dues.splice(0, head);
      head = 0;
    }
    this.#ackHead = head;
  }

  #sendInput(bot: Bot, now: number): void {
    if (bot.closed || bot.leaving) return;
    // Wander: small random turns, so that bots spread over the world.
    bot.heading += (Math.random() - 0.5) * 0.3;
    const fire = Math.random() < this.#fireChance;
    if (fire) this.counters.shots++;
    let input: InputRecord;
    if (bot.recent.length < THIN_INPUT_REDUNDANCY) {
      input = { moveX: 0, moveY: 0, aim: 0, buttons: 0, viewTick: 0 };
      bot.recent.unshift(input);
    } else {
      input = bot.recent.pop()!;
      bot.recent.unshift(input);
    }
    input.moveX = Math.cos(bot.heading);
    input.moveY = Math.sin(bot.heading);
    input.aim = bot.heading;
    input.buttons = fire ? Buttons.FIRE : 0;
    input.viewTick = 0;
    bot.seq++;

    let offset = 0;
    if (bot.ackPending) {
      bot.ackPending = false;
      // Now, not the wake's time: a wake that sends many inputs takes a while.
      writeAckHeader(scratch, { seq: bot.ackSeq, heldMs: performance.now() - bot.ackAt });
      offset = ACK_HEADER_BYTES;
      this.counters.acksSent++;
    }
    const bytes = writeInputFrame(codec, scratch, offset, bot.seq, bot.recent);
    this.counters.inputsSent++;
    // The ping of the second, if due, leaves in the same write as the input.
    let ping: Buffer | undefined;
    if (now >= bot.nextPingAt) {
      bot.nextPingAt = now + 1000;
      bot.pingSentAt = performance.now();
      ping = ONE_BYTE[PING]!;
      this.counters.pingsSent++;
    }
    this.#send(bot, scratchView(offset + bytes), ping);
  }

  #send(bot: Bot, frame: Buffer, then?: Buffer): void {
    bot.ws.send(frame, then);
  }

  #error(message: string): void {
    if (this.#errors.length < 5) this.#errors.push(message);
  }
}

/** Bytes of an input frame carrying the full redundancy, with an ack in front (for reports). */
export const THIN_FRAME_BYTES = ACK_HEADER_BYTES + inputFrameBytes(codec, THIN_INPUT_REDUNDANCY);
