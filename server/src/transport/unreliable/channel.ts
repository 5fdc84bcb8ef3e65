import { ACK_HEADER_BYTES } from "@tickwire/shared/protocol";
import { AckWindow, type WindowStats } from "./window.ts";

/** The two things the channel needs from a socket. */
export interface ChannelSocket {
  /** Bytes accepted by the socket but not yet handed to the kernel. */
  bufferedAmount(): number;
  /** Sends one binary frame now. Must not keep a reference to `frame` (it is reused). */
  send(frame: Uint8Array): void;
}

export interface ChannelOptions {
  /** A client that has never acknowledged gets frames only while its backlog is at most this. */
  backlogThresholdBytes: number;
  maxFramesInFlight: number;
  /** Send every frame, queued behind any backlog (reliable behaviour, for comparisons). */
  queueAll?: boolean;
}

/** Where the channel reports what it did (Prometheus counters in the server). */
export interface ChannelEvents {
  sent(bytes: number, keyframe: boolean): void;
  dropped(reason: "window" | "backlog"): void;
}

/** Per-client limits of a transport client (from the config). */
export interface ClientLimits {
  /** Reliable bytes allowed to wait in user space for one client before it is closed. */
  reliableBacklogBytes: number;
  /** See ChannelOptions.backlogThresholdBytes. */
  unreliableBacklogBytes: number;
  maxFramesInFlight: number;
  /** UNRELIABLE_DELIVERY=queue. */
  queueAll?: boolean;
  /** Acks sent alone (not riding on an input) allowed per second; MAX_MESSAGES_PER_SECOND. */
  maxBareAcksPerSecond: number;
}

export interface ClientEvents extends ChannelEvents {
  /** A client was closed with BACKLOG_OVERFLOW. */
  backlogOverflow(): void;
}

export interface ChannelStats extends WindowStats {
  /** Bytes (reliable and unreliable) waiting in user space for this client. */
  backlogBytes: number;
  acking: boolean;
  needsKeyframe: boolean;
  framesSent: number;
  framesDropped: number;
  keyframesSent: number;
  /** Smoothed variation between successive round-trip samples, ms (undefined before two). */
  jitterMs: number | undefined;
  /** Payload bytes handed to this client's socket, both channels, since it connected. */
  bytesSent: number;
}

/**
 * One client's unreliable channel over its WebSocket: decides whether a frame goes out now or
 * is dropped, stamps the client's own sequence number, and remembers whether the client has
 * missed anything (then the next frame it gets is a keyframe).
 *
 * Sequence numbers are per client and advance only on frames really sent, so the client sees
 * 1, 2, 3... from its join. (A room-wide number would break a client that joins when the room
 * counter is past 32767: the SDK compares against 0 after a full state and would drop every
 * frame until the counter wrapped.)
 */
export class UnreliableChannel {
  readonly #socket: ChannelSocket;
  readonly #opts: ChannelOptions;
  readonly #events: ChannelEvents;
  readonly #window: AckWindow;
  #seq = 0;
  #acking = false;
  #needsKeyframe = false;
  #framesSent = 0;
  #framesDropped = 0;
  #keyframesSent = 0;
  #bareAcks = 0;
  #bareAcksSince = 0;
  #bundles = false;
  #jitter = 0;
  #rttSamples = 0;
  #previousRtt = 0;
  /** Payload bytes sent to this client on both channels; the transport adds to it per frame. */
  bytesSent = 0;
  /**
   * Where this client's input frames go, set by the room it joined: returns why a frame is
   * malformed, or undefined. Frames before that are ignored.
   */
  inputSink: ((frame: Uint8Array, offset: number) => string | undefined) | undefined;

  constructor(socket: ChannelSocket, opts: ChannelOptions, events: ChannelEvents) {
    this.#socket = socket;
    this.#opts = opts;
    this.#events = events;
    this.#window = new AckWindow({ maxFramesInFlight: opts.maxFramesInFlight });
  }

  /** True when the client missed a frame and must get the full current values next. */
  get needsKeyframe(): boolean {
    return this.#needsKeyframe;
  }

  /** True once the client said it reads bundles (its hello; see `@tickwire/shared/protocol`). */
  get bundles(): boolean {
    return this.#bundles;
  }

  /** The client's hello: it reads bundles from now on. */
  acceptBundles(): void {
    this.#bundles = true;
  }

  /** Frames this client should have had that were not sent. */
  get framesDropped(): number {
    return this.#framesDropped;
  }

  /** True once the client has acknowledged a frame (a Tickwire SDK); stock clients never do. */
  get acking(): boolean {
    return this.#acking;
  }

  /**
   * Why a frame may not go out now, or undefined when it may. Anything waiting in user space
   * means the frame would queue behind older data, so it is dropped whatever the window says.
   */
  blockedBy(now: number): "window" | "backlog" | undefined {
    if (this.#opts.queueAll) return undefined;
    if (this.#socket.bufferedAmount() > this.#opts.backlogThresholdBytes) return "backlog";
    if (this.#acking && !this.#window.canSend(now)) return "window";
    return undefined;
  }

  /** A frame this client should have had was not sent. */
  drop(reason: "window" | "backlog"): void {
    this.#needsKeyframe = true;
    this.#framesDropped++;
    this.#events.dropped(reason);
  }

  /**
   * Sends an encoded unreliable frame (`[code][seq u16][body]`), writing this client's sequence
   * number into bytes 1-2 of `frame` first.
   */
  send(frame: Uint8Array, keyframe: boolean, now: number): void {
    this.#seq = (this.#seq + 1) & 0xffff;
    frame[1] = this.#seq & 0xff;
    frame[2] = this.#seq >>> 8;
    this.#socket.send(frame);
    this.#window.onSent(this.#seq, frame.byteLength, now);
    this.#framesSent++;
    if (keyframe) {
      this.#needsKeyframe = false;
      this.#keyframesSent++;
    }
    this.#events.sent(frame.byteLength, keyframe);
  }

  /**
   * The client applied every frame up to `ack.seq`. Any well-formed ack, even one that matches
   * no frame (the SDK sends seq 0 right after joining), switches the channel to the ack window;
   * that only ever makes the server more careful. Returns false for an ack that matches nothing.
   */
  onAck(seq: number, heldMs: number, now: number): boolean {
    this.#acking = true;
    if (!this.#window.onAck(seq, heldMs, now)) return false;
    // Jitter as RTP defines it for arrivals: a running mean of how much each sample moved,
    // with gain 1/16, so one outlier barely shows and a steady wobble does.
    const rtt = this.#window.latestRttMs;
    if (this.#rttSamples++ > 0) this.#jitter += (Math.abs(rtt - this.#previousRtt) - this.#jitter) / 16;
    this.#previousRtt = rtt;
    return true;
  }

  /**
   * Counts an ack that came alone. Colyseus' message limit never sees these (the transport
   * consumes them), so they get their own: false when over `perSecond` in the current second.
   */
  acceptBareAck(now: number, perSecond: number): boolean {
    if (now - this.#bareAcksSince >= 1000) {
      this.#bareAcksSince = now;
      this.#bareAcks = 0;
    }
    return ++this.#bareAcks <= perSecond;
  }

  stats(now: number): ChannelStats {
    return {
      ...this.#window.stats(now),
      backlogBytes: this.#socket.bufferedAmount(),
      acking: this.#acking,
      needsKeyframe: this.#needsKeyframe,
      framesSent: this.#framesSent,
      framesDropped: this.#framesDropped,
      keyframesSent: this.#keyframesSent,
      jitterMs: this.#rttSamples > 1 ? this.#jitter : undefined,
      bytesSent: this.bytesSent,
    };
  }
}

/** A transport client that carries an unreliable channel. */
export interface HasChannel {
  readonly channel: UnreliableChannel;
}

/** Where the ws fallback transport keeps a socket's channel (its Colyseus client holds the socket as `ref`). */
export const SOCKET_CHANNEL = Symbol("tickwire.channel");

/** The unreliable channel of a transport client, if its transport gives it one. */
export function channelOf(client: object): UnreliableChannel | undefined {
  const own = (client as Partial<HasChannel>).channel;
  if (own instanceof UnreliableChannel) return own;
  const ref = (client as { ref?: Record<symbol, unknown> }).ref;
  const attached = ref?.[SOCKET_CHANNEL];
  return attached instanceof UnreliableChannel ? attached : undefined;
}

/** `takeAck` results other than an offset. */
export const ACK_ALONE = 0;
export const ACK_TRUNCATED = -1;
export const ACK_FLOOD = -2;

/**
 * Takes the ack header off a client frame that starts with `TickwireProtocol.ACK` and hands the
 * ack to the client's channel (if its transport gave it one). Acks that come alone are limited
 * to `maxBareAcksPerSecond`. Returns where the frame behind the ack starts, ACK_ALONE when
 * there is none, or ACK_TRUNCATED / ACK_FLOOD when the sender must be closed with
 * PROTOCOL_VIOLATION.
 */
export function takeAck(
  frame: Uint8Array,
  channel: UnreliableChannel | undefined,
  maxBareAcksPerSecond: number,
  now: number,
): number {
  if (frame.byteLength < ACK_HEADER_BYTES) return ACK_TRUNCATED;
  const alone = frame.byteLength === ACK_HEADER_BYTES;
  if (alone && channel && !channel.acceptBareAck(now, maxBareAcksPerSecond)) return ACK_FLOOD;
  channel?.onAck(frame[1]! | (frame[2]! << 8), frame[3]! | (frame[4]! << 8), now);
  return alone ? ACK_ALONE : ACK_HEADER_BYTES;
}
