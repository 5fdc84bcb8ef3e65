import { uWebSocketClient } from "@colyseus/uwebsockets-transport";
import type { ISendOptions } from "@colyseus/core";
import { CloseCodes } from "@tickwire/shared";
import { UnreliableChannel, type ClientEvents, type ClientLimits, type HasChannel } from "./unreliable/channel.ts";

type Wrapper = ConstructorParameters<typeof uWebSocketClient>[1];

// uWS `send()` results.
const SEND_DROPPED = 2;

/**
 * Collects the frames of one flush per client so that each client's frames of a tick (the
 * reliable patch, the unreliable frame) leave in one corked write. Frames are copied: the
 * encoders reuse their buffers within the flush.
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
    if (this.#active) {
      fn();
      return;
    }
    this.#active = true;
    try {
      fn();
    } finally {
      this.#active = false;
      for (const client of this.#clients) client.flushBatch();
      this.#clients.clear();
    }
  }
}

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
  #batched: Uint8Array[] = [];
  #batchedBytes = 0;

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
    if (this.bufferedAmount() + this.#batchedBytes + data.byteLength > this.#limits.reliableBacklogBytes) {
      this.#overflow();
      return;
    }
    this.#send(data, true);
  }

  /** Writes the frames batched during a flush, corked into one write. */
  flushBatch(): void {
    const frames = this.#batched;
    this.#batched = [];
    this.#batchedBytes = 0;
    if (this.readyState !== 1 || frames.length === 0) return;
    this.#guard(() => {
      this._ref.ws.cork(() => {
        for (const frame of frames) {
          if (this._ref.ws.send(frame, true, false) === SEND_DROPPED) return this.#overflow();
        }
      });
    });
  }

  #send(data: Uint8Array, reliable: boolean): void {
    if (this.#batch.active) {
      this.#batched.push(data.slice());
      this.#batchedBytes += data.byteLength;
      this.#batch.add(this);
      return;
    }
    this.#guard(() => {
      // Unreliable frames are never queued: the channel only sends under its backlog threshold.
      if (this._ref.ws.send(data, true, false) === SEND_DROPPED && reliable) this.#overflow();
    });
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
