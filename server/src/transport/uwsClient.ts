import { uWebSocketClient } from "@colyseus/uwebsockets-transport";
import type { ISendOptions } from "@colyseus/core";
import { CloseCodes } from "@tickwire/shared";
import { BUNDLE_CODE, BUNDLE_PART_HEADER_BYTES } from "@tickwire/shared/protocol";
import { UnreliableChannel, type ClientEvents, type ClientLimits, type HasChannel } from "./unreliable/channel.ts";

type Wrapper = ConstructorParameters<typeof uWebSocketClient>[1];

// uWS `send()` results.
const SEND_DROPPED = 2;

/** First size of a client's flush buffer, and the largest kept between flushes. */
const BATCH_BUFFER_BYTES = 1024;
const BATCH_BUFFER_KEEP_BYTES = 8 * 1024;
/** A flush's frames for one client are written early once they would pass this many bytes. */
const BATCH_WRITE_BYTES = 16 * 1024;

/**
 * Collects the frames of one flush per client so that each client's frames of a tick (the
 * reliable patch, the unreliable frame) leave together: one WebSocket frame (a bundle) for a
 * Tickwire client, one corked write for a stock one. Frames are copied into the client's own
 * reused buffer: the encoders reuse theirs within the flush.
 */
export class SendBatch {
  #active = false;
  #clients = new Set<TickwireUwsClient>();

  get active(): boolean {
    return this.#active;
  }

  add(client: TickwireUwsClient): void {
    this.#clients.add(client);
  }

  run(fn: () => void): void {
    const release = this.hold();
    try {
      fn();
    } finally {
      release();
    }
  }

  /**
   * Holds every frame sent from now until the returned function is called, then writes each
   * client's frames together. A hold taken while one is active is part of it (its release does
   * nothing).
   */
  hold(): () => void {
    if (this.#active) return NOTHING;
    this.#active = true;
    return () => {
      this.#active = false;
      const clients = this.#clients;
      this.#clients = new Set();
      for (const client of clients) client.flushBatch();
    };
  }
}

const NOTHING = (): void => {};

/**
 * The Colyseus uWS client with the two channels Tickwire needs:
 * - reliable frames never silently go missing: a frame that would take this client's backlog
 *   past the limit closes the client with BACKLOG_OVERFLOW instead (uWS alone would drop it
 *   and leave the client's state diverged for good);
 * - an unreliable channel (`channel`, and `rawUnreliable` for Colyseus' capability check)
 *   that drops frames rather than queue them.
 */
export class TickwireUwsClient extends uWebSocketClient implements HasChannel {
  readonly channel: UnreliableChannel;
  readonly #limits: ClientLimits;
  readonly #events: ClientEvents;
  readonly #batch: SendBatch;
  /**
   * This flush's frames: byte 0 is kept for the bundle code, then each frame with its length
   * in front (`[uint32 LE length][frame]`), from byte 1 to `#batchedEnd`.
   */
  #batched: Uint8Array | undefined;
  #batchedEnd = 1;
  #batchedFrames = 0;

  constructor(id: string, wrapper: Wrapper, limits: ClientLimits, events: ClientEvents, batch: SendBatch) {
    super(id, wrapper);
    this.#limits = limits;
    this.#events = events;
    this.#batch = batch;
    this.channel = new UnreliableChannel(
      {
        // Only what waits in the socket counts: frames of the same batch leave in one write.
        bufferedAmount: () => this.bufferedAmount(),
        send: (frame) => this.#send(frame, false),
      },
      {
        backlogThresholdBytes: limits.unreliableBacklogBytes,
        maxFramesInFlight: limits.maxFramesInFlight,
        queueAll: limits.queueAll,
      },
      events,
    );
  }

  /** Bytes waiting in user space for this client (0 once closed). */
  bufferedAmount(): number {
    if (this.readyState !== 1) return 0;
    try {
      return this._ref.ws.getBufferedAmount();
    } catch {
      return 0;
    }
  }

  override raw(data: Uint8Array | Buffer, _options?: ISendOptions, _cb?: (err?: Error) => void): void {
    if (this.readyState !== 1) return;
    if (this.bufferedAmount() + this.#batchedEnd + data.byteLength > this.#limits.reliableBacklogBytes) {
      this.#overflow();
      return;
    }
    this.#send(data, true);
  }

  /**
   * Writes the frames batched during a flush: a client that reads bundles gets them in one, any
   * other as separate frames in one corked write.
   */
  flushBatch(): void {
    const buf = this.#batched;
    const end = this.#batchedEnd;
    const frames = this.#batchedFrames;
    this.#batchedEnd = 1;
    this.#batchedFrames = 0;
    if (!buf || frames === 0 || this.readyState !== 1) return;
    // A buffer grown for a keyframe is not kept for the small frames after it.
    if (buf.byteLength > BATCH_BUFFER_KEEP_BYTES) this.#batched = undefined;
    if (frames === 1) {
      if (this.#write(buf.subarray(1 + BUNDLE_PART_HEADER_BYTES, end))) this.#overflow();
      return;
    }
    if (this.channel.bundles) {
      buf[0] = BUNDLE_CODE;
      if (this.#write(buf.subarray(0, end))) this.#overflow();
      return;
    }
    this.#guard(() => {
      const ws = this._ref.ws;
      ws.cork(() => {
        for (let at = 1; at < end; ) {
          const length = buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24);
          at += BUNDLE_PART_HEADER_BYTES;
          if (ws.send(buf.subarray(at, at + length), true, false) === SEND_DROPPED) return this.#overflow();
          at += length;
        }
      });
    });
  }

  /** Appends a frame (with its length in front) to this flush's buffer. */
  #append(data: Uint8Array): void {
    const need = this.#batchedEnd + BUNDLE_PART_HEADER_BYTES + data.byteLength;
    let buf = this.#batched;
    if (!buf || buf.byteLength < need) {
      const grown = new Uint8Array(Math.max(need, (buf?.byteLength ?? 0) * 2, BATCH_BUFFER_BYTES));
      if (buf) grown.set(buf.subarray(0, this.#batchedEnd));
      this.#batched = buf = grown;
    }
    let at = this.#batchedEnd;
    const n = data.byteLength;
    buf[at++] = n & 0xff;
    buf[at++] = (n >>> 8) & 0xff;
    buf[at++] = (n >>> 16) & 0xff;
    buf[at++] = n >>> 24;
    buf.set(data, at);
    this.#batchedEnd = at + n;
    this.#batchedFrames++;
  }

  #send(data: Uint8Array, reliable: boolean): void {
    this.channel.bytesSent += data.byteLength;
    if (this.#batch.active) {
      // A flush that piles up (a burst of messages in one tick) goes out in parts: what waits
      // here for the end of the flush is not the client's backlog, and must not look like it.
      if (this.#batchedFrames > 0 && this.#batchedEnd + data.byteLength > BATCH_WRITE_BYTES) this.flushBatch();
      if (this.#batchedFrames === 0) this.#batch.add(this);
      this.#append(data);
      return;
    }
    // Unreliable frames are never queued: the channel only sends under its backlog threshold.
    if (this.#write(data) && reliable) this.#overflow();
  }

  /** Sends one frame now; true when uWS dropped it (its backpressure limit). */
  #write(data: Uint8Array): boolean {
    try {
      return this._ref.ws.send(data, true, false) === SEND_DROPPED;
    } catch {
      // uWS throws on any access to a socket that closed in the meantime.
      this.readyState = 3;
      return false;
    }
  }

  /**
   * Colyseus' own unreliable flush sends through this (its capability check). It gets the same
   * gate and drop counting; keyframes after a drop come only from UnreliableFlusher, which the
   * engine's rooms use instead.
   */
  rawUnreliable(data: Uint8Array | Buffer): void {
    const now = performance.now();
    const blocked = this.channel.blockedBy(now);
    if (blocked) this.channel.drop(blocked);
    else this.channel.send(new Uint8Array(data), false, now);
  }

  // What this flush holds for the client goes out before the close (a kick from a game's step
  // would otherwise lose its last message).
  override leave(code?: number, data?: string): void {
    this.flushBatch();
    super.leave(code, data);
  }

  #overflow(): void {
    if (this.readyState !== 1) return;
    this.#events.backlogOverflow();
    this.leave(CloseCodes.BACKLOG_OVERFLOW, "reliable backlog over limit");
  }

  #guard(send: () => void): void {
    try {
      send();
    } catch {
      // uWS throws on any access to a socket that closed in the meantime.
      this.readyState = 3;
    }
  }
}
