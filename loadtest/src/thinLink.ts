import { performance } from "node:perf_hooks";
import { BUNDLE_CODE, forEachBundled, seqNewer, type Ack } from "@tickwire/shared/protocol";
import type { ThinBotInfo, ThinCounters } from "./thinBot.ts";
import {
  bareAckFrame,
  helloAckFrame,
  type InputRecord,
  inputFrame,
  OneByteFrame,
  pushInput,
  ServerFrame,
  serverFrame,
  unreliableSeq,
} from "./thinFrames.ts";
import { type BotSocket, describeError, NO_SOCKET } from "./thinWire.ts";

// One thin bot's link to its room: what it makes of each message it receives (counts, the ack
// it owes, an RTT sample, the answer to a leave) and what it sends (the answer to JOIN_ROOM, an
// input frame with the pending ack riding in front and the ping of the second behind, an ack
// alone, a leave). Its fleet (ThinFleet, thinBot.ts) decides when: joins, phases, timers.

/** What the links of one fleet share with it. */
export interface LinkFleet {
  readonly counters: ThinCounters;
  /** RTT samples (ms), for the fleet to take. */
  readonly rtt: number[];
  /** The acks that wait to go alone. */
  readonly acks: AckQueue;
  /** How long an ack may wait for an input frame to ride on before it goes alone, ms. */
  readonly ackDelayMs: number;
  /** The chance that an input fires. */
  readonly fireChance: number;
  error(message: string): void;
}

/** A link's `current` when it walks no message. */
const NO_MESSAGE = Buffer.alloc(0);

/** One thin bot, from its seat reservation on. */
export class ThinLink implements ThinBotInfo {
  readonly index: number;
  readonly sessionId: string;
  readonly roomId: string;
  /** NO_SOCKET until the socket is made. */
  ws: BotSocket = NO_SOCKET;
  /** When the join completed (0 before). */
  joinedAt = 0;
  leaving = false;
  closed = false;
  /** Called once the socket has closed (a leave waits on it). */
  onClosed: (() => void) | undefined = undefined;
  readonly #fleet: LinkFleet;
  #seq = 0;
  #heading = Math.random() * Math.PI * 2;
  /** The newest inputs sent, newest first (objects reused). */
  readonly #recent: InputRecord[] = [];
  /** Newest unreliable seq seen (0 before any), and the ack waiting to go out. */
  #newest = 0;
  #ackPending = false;
  #ackSeq = 0;
  /** When the newest unacknowledged frame arrived; and when the pending ack must go alone. */
  #ackAt = 0;
  #ackDue = 0;
  #pingSentAt = 0;
  #nextPingAt = 0;
  /** The message being walked (for the bundle part callback). */
  #current: Buffer = NO_MESSAGE;
  readonly #onPart = (offset: number, length: number): void => this.#part(this.#current, offset, length);

  constructor(info: ThinBotInfo, fleet: LinkFleet) {
    this.index = info.index;
    this.sessionId = info.sessionId;
    this.roomId = info.roomId;
    this.#fleet = fleet;
  }

  /** Answers JOIN_ROOM (the server then sends the full state), then acks nothing with the hello behind. */
  answerJoin(): void {
    this.ws.send(OneByteFrame.JOIN_ROOM);
    this.ws.send(helloAckFrame());
    this.#fleet.counters.acksSent++;
    this.#fleet.counters.bareAcks++;
  }

  /** Marks the join complete at `now`. */
  joined(now: number): void {
    this.joinedAt = now;
    // The first ping goes at a random moment of the first second: pings spread too.
    this.#nextPingAt = now + Math.random() * 1000;
  }

  /** Sends LEAVE_ROOM. */
  sendLeave(): void {
    this.ws.send(OneByteFrame.LEAVE_ROOM);
  }

  /** One message from the server (after the join): a frame, or a bundle of them. */
  received(data: Buffer): void {
    const counters = this.#fleet.counters;
    counters.messages++;
    counters.bytes += data.byteLength;
    if (data[0] === BUNDLE_CODE) {
      counters.bundles++;
      this.#current = data;
      forEachBundled(data, this.#onPart);
      this.#current = NO_MESSAGE;
      return;
    }
    this.#part(data, 0, data.byteLength);
  }

  /** One server frame, from its first bytes only. */
  #part(data: Buffer, offset: number, length: number): void {
    const fleet = this.#fleet;
    switch (serverFrame(data[offset]!)) {
      case ServerFrame.UNRELIABLE_PATCH: {
        fleet.counters.unreliableFrames++;
        const seq = unreliableSeq(data, offset, length);
        if (seq < 0) return;
        // Acknowledge the newest frame only; an older one arriving late changes nothing.
        if (this.#newest !== 0 && !seqNewer(seq, this.#newest)) return;
        this.#newest = seq;
        const now = performance.now();
        this.#ackSeq = seq;
        this.#ackAt = now;
        if (!this.#ackPending) {
          this.#ackPending = true;
          this.#ackDue = now + fleet.ackDelayMs;
          fleet.acks.push(this, this.#ackDue);
        }
        return;
      }
      case ServerFrame.RELIABLE_PATCH:
        fleet.counters.reliablePatches++;
        return;
      case ServerFrame.PING:
        if (this.#pingSentAt > 0) {
          fleet.rtt.push(performance.now() - this.#pingSentAt);
          this.#pingSentAt = 0;
        }
        return;
      case ServerFrame.LEAVE_ROOM:
        // The server asks the client to leave: the SDK answers with LEAVE_ROOM.
        if (!this.leaving) this.sendLeave();
        return;
      case ServerFrame.ERROR:
        fleet.error(`server error to bot ${this.index}: ${describeError(data.subarray(offset, offset + length))}`);
        return;
    }
  }

  /** Sends the input of this phase, the pending ack riding in front and the ping behind if due. */
  sendInput(now: number): void {
    if (this.closed || this.leaving) return;
    const counters = this.#fleet.counters;
    // Wander: small random turns, so that bots spread over the world.
    this.#heading += (Math.random() - 0.5) * 0.3;
    const fire = Math.random() < this.#fleet.fireChance;
    if (fire) counters.shots++;
    pushInput(this.#recent, this.#heading, fire);
    this.#seq++;

    let ack: Ack | undefined;
    if (this.#ackPending) {
      this.#ackPending = false;
      // Now, not the wake's time: a wake that sends many inputs takes a while.
      ack = { seq: this.#ackSeq, heldMs: performance.now() - this.#ackAt };
      counters.acksSent++;
    }
    const frame = inputFrame(this.#seq, this.#recent, ack);
    counters.inputsSent++;
    // The ping of the second, if due, leaves in the same write as the input.
    let ping: Buffer | undefined;
    if (now >= this.#nextPingAt) {
      this.#nextPingAt = now + 1000;
      this.#pingSentAt = performance.now();
      ping = OneByteFrame.PING;
      counters.pingsSent++;
    }
    this.ws.send(frame, ping);
  }

  /** Sends the pending ack alone if it has waited its time by `now`. */
  sendDueAck(now: number): void {
    // An ack that rode on an input meanwhile is gone; a newer wait has its own entry further on.
    if (!this.#ackPending || this.#ackDue > now || this.closed) return;
    this.#ackPending = false;
    this.ws.send(bareAckFrame({ seq: this.#ackSeq, heldMs: now - this.#ackAt }));
    this.#fleet.counters.acksSent++;
    this.#fleet.counters.bareAcks++;
  }
}

/** The links whose ack waits, in the order it must go alone (parallel arrays, a queue). */
export class AckQueue {
  readonly #links: ThinLink[] = [];
  readonly #due: number[] = [];
  #head = 0;

  push(link: ThinLink, due: number): void {
    this.#links.push(link);
    this.#due.push(due);
  }

  /** Sends alone the acks due by `now`. */
  flush(now: number): void {
    const links = this.#links;
    const dues = this.#due;
    let head = this.#head;
    while (head < links.length && dues[head]! <= now) {
      const link = links[head]!;
      head++;
      link.sendDueAck(now);
    }
    if (head === links.length) {
      links.length = 0;
      dues.length = 0;
      head = 0;
    } else if (head > 4096) {
      links.splice(0, head);
      dues.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }
}
