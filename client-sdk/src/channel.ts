import { now } from "./time.ts";
import { CloseCodes } from "@tickwire/shared";
import {
  ACK_HEADER_BYTES,
  helloFrame,
  prependAck,
  seqNewer,
  unreliableSeqOf,
  writeAckHeader,
  type Ack,
} from "@tickwire/shared/protocol";
import {
  interceptClose,
  isOpen,
  onFrame,
  replaceUnreliableSend,
  sendFrame,
  socketBacklog,
  type AnyRoom,
} from "./colyseus.ts";

export interface ChannelOptions {
  /**
   * How long an acknowledgement may wait for an input frame to ride on, in ms. The server
   * subtracts the wait from its round-trip sample. Default 20.
   */
  ackDelayMs?: number;
  /**
   * An unreliable input send is skipped while this many bytes wait in the socket's send buffer
   * (the next input frame carries the skipped one in its redundancy ring). Default 8192.
   */
  inputBacklogBytes?: number;
}

/** Channel counters, cumulative since join. */
export interface ChannelCounters {
  /** Frames received from the server (each frame inside a bundle counts as one). */
  framesReceived: number;
  /** Payload bytes of those frames (a bundle's own headers left out). */
  bytesReceived: number;
  /** Unreliable state frames received, and their bytes. */
  unreliableFrames: number;
  unreliableBytes: number;
  /** Acknowledgements sent, riding on an input frame or alone. */
  acksSent: number;
  acksPiggybacked: number;
  /** Input frames not sent because the socket's send buffer was over `inputBacklogBytes`. */
  inputsSkipped: number;
}

/** The close code the SDK reconnects on at once (Colyseus' MAY_TRY_RECONNECT). */
const MAY_TRY_RECONNECT = 4010;

/**
 * The client half of Tickwire's unreliable channel over WebSocket, attached to a Colyseus SDK
 * room: it acknowledges the newest unreliable frame (on the next input frame, or alone after
 * `ackDelayMs`), sends unreliable input frames only while the socket is not backed up, and
 * turns the server's BACKLOG_OVERFLOW close into an immediate SDK reconnection (the seat is
 * held; the client gets the full state again). `Connection` attaches one to every room.
 *
 * @example
 * ```ts
 * const channel = new ClientChannel(room, { ackDelayMs: 10 });
 * console.log(channel.counters.unreliableFrames);
 * ```
 */
export class ClientChannel {
  readonly counters: ChannelCounters = {
    framesReceived: 0,
    bytesReceived: 0,
    unreliableFrames: 0,
    unreliableBytes: 0,
    acksSent: 0,
    acksPiggybacked: 0,
    inputsSkipped: 0,
  };
  readonly #room: AnyRoom;
  readonly #ackDelayMs: number;
  readonly #inputBacklogBytes: number;
  #pending: { seq: number; at: number } | undefined;
  #newest = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Close code of the last connection that ended (the SDK reports BACKLOG_OVERFLOW as 4010). */
  lastCloseCode: number | undefined;

  constructor(room: AnyRoom, opts: ChannelOptions = {}) {
    this.#room = room;
    this.#ackDelayMs = opts.ackDelayMs ?? 20;
    this.#inputBacklogBytes = opts.inputBacklogBytes ?? 8192;

    onFrame(room, (data) => this.#received(data));
    interceptClose(room, (close, forward) => {
      this.#reset();
      this.lastCloseCode = close.code;
      if (close.code === CloseCodes.BACKLOG_OVERFLOW && this.#room.reconnection.enabled) {
        // The SDK only retries on "may reconnect" codes and after 5 s of uptime; this close
        // always deserves a retry, so present it as one.
        const minUptime = this.#room.reconnection.minUptime;
        this.#room.reconnection.minUptime = 0;
        forward({ code: MAY_TRY_RECONNECT, reason: close.reason });
        this.#room.reconnection.minUptime = minUptime;
        return;
      }
      forward(close);
    });
    // Replaces the SDK's fallback (a reliable send plus a console warning) for this room.
    replaceUnreliableSend(room, (data) => this.#sendUnreliable(data));
    this.#hello();
    room.onReconnect(() => this.#hello());
  }

  // An ack of nothing (seq 0) tells the server at once that this client acknowledges, so its
  // first frames already go through the ack window rather than the kernel's send buffer; the
  // hello behind it says that this client reads bundles.
  #hello(): void {
    if (isOpen(this.#room)) sendFrame(this.#room, prependAck({ seq: 0, heldMs: 0 }, helloFrame()));
  }

  /** Stops the ack timer (the room has been left). */
  dispose(): void {
    this.#reset();
  }

  #received(data: Uint8Array): void {
    this.counters.framesReceived++;
    this.counters.bytesReceived += data.byteLength;
    const seq = unreliableSeqOf(data);
    if (seq === undefined) return;
    this.counters.unreliableFrames++;
    this.counters.unreliableBytes += data.byteLength;
    // Acknowledge the newest frame only; an older one arriving late changes nothing.
    if (this.#newest !== 0 && !seqNewer(seq, this.#newest)) return;
    this.#newest = seq;
    this.#pending = { seq, at: now() };
    this.#timer ??= setTimeout(() => this.#sendBareAck(), this.#ackDelayMs);
  }

  /**
   * Sends an input frame of `bytes` bytes, written by `write` at `offset` of the frame, unless
   * the socket is backed up (the next input frame repeats its inputs). A pending ack rides in front.
   */
  sendInput(bytes: number, write: (target: Uint8Array, offset: number) => void): void {
    if (!isOpen(this.#room)) return;
    if (socketBacklog(this.#room) > this.#inputBacklogBytes) {
      this.counters.inputsSkipped++;
      return;
    }
    const ack = this.#takeAck();
    const offset = ack ? ACK_HEADER_BYTES : 0;
    const frame = new Uint8Array(offset + bytes);
    if (ack) {
      writeAckHeader(frame, ack);
      this.counters.acksSent++;
      this.counters.acksPiggybacked++;
    }
    write(frame, offset);
    sendFrame(this.#room, frame);
  }

  #sendUnreliable(data: Uint8Array): void {
    if (!isOpen(this.#room)) return;
    if (socketBacklog(this.#room) > this.#inputBacklogBytes) {
      this.counters.inputsSkipped++;
      return;
    }
    const ack = this.#takeAck();
    if (ack) {
      this.counters.acksSent++;
      this.counters.acksPiggybacked++;
    }
    sendFrame(this.#room, ack ? prependAck(ack, data) : data);
  }

  #sendBareAck(): void {
    this.#timer = undefined;
    const ack = this.#takeAck();
    if (!ack || !isOpen(this.#room)) return;
    sendFrame(this.#room, prependAck(ack));
    this.counters.acksSent++;
  }

  #takeAck(): Ack | undefined {
    const p = this.#pending;
    if (!p) return undefined;
    this.#pending = undefined;
    return { seq: p.seq, heldMs: now() - p.at };
  }

  // A new connection numbers its frames from 1 again.
  #reset(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = undefined;
    this.#newest = 0;
  }
}
