import { uWebSocketClient } from "@colyseus/uwebsockets-transport";
import type { ISendOptions } from "@colyseus/core";
import { CloseCodes } from "@tickwire/shared";
import { UnreliableChannel, type ClientEvents, type ClientLimits, type HasChannel } from "./unreliable/channel.ts";

type Wrapper = ConstructorParameters<typeof uWebSocketClient>[1];

// uWS `send()` results.
const SEND_DROPPED = 2;

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

  constructor(id: string, wrapper: Wrapper, limits: ClientLimits, events: ClientEvents) {
    super(id, wrapper);
    this.#limits = limits;
    this.#events = events;
    this.channel = new UnreliableChannel(
      {
        bufferedAmount: () => this.bufferedAmount(),
        send: (frame) => {
          // Never queued: the channel only sends when the backlog is under its threshold.
          this.#guard(() => this._ref.ws.send(frame, true, false));
        },
      },
      { backlogThresholdBytes: limits.unreliableBacklogBytes, maxFramesInFlight: limits.maxFramesInFlight, queueAll: limits.queueAll },
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
    if (this.bufferedAmount() + data.byteLength > this.#limits.reliableBacklogBytes) {
      this.#overflow();
      return;
    }
    this.#guard(() => {
      if (this._ref.ws.send(data, true, false) === SEND_DROPPED) this.#overflow();
    });
  }

  /** Unreliable frames go through `channel`; this exists so Colyseus sees the capability. */
  rawUnreliable(data: Uint8Array | Buffer): void {
    if (this.channel.isOpen(performance.now())) this.channel.send(new Uint8Array(data), false, performance.now());
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
