import { ClientState, Protocol, ProtocolModifier, type Client, type SchemaSerializer } from "@colyseus/core";
import type { Encoder, Iterator, StateView } from "@colyseus/schema";
import { channelOf, type UnreliableChannel } from "./channel.ts";
import { markAllUnreliableDirty } from "./keyframe.ts";

/** `[code | UNRELIABLE][uint16 seq]`, then the schema body. */
const HEADER_BYTES = 3;
const SHARED = Symbol("shared view");

type ViewKey = StateView | typeof SHARED;

export interface FlushResult {
  /** Clients that got a frame this flush. */
  sent: number;
  /** ...of which keyframes. */
  keyframes: number;
  /** Clients whose frame was dropped. */
  dropped: number;
}

/** The parts of Colyseus' SchemaSerializer the flush works on (protected there). */
interface SerializerInternals {
  encoder: Encoder<any>;
  needFullEncode: boolean;
  hasFilters: boolean;
  hasUnreliableFields: boolean;
}

/**
 * The unreliable flush of a room's Colyseus schema serializer, reworked for WebSocket clients
 * that carry an UnreliableChannel. It works on the room's own serializer (one encoder per
 * state: a second Encoder on the same state would assign its own ref ids).
 *
 * Convergence: over TCP a frame handed to the socket always arrives, so the only gaps are the
 * frames the server itself dropped. A client that missed a frame gets a keyframe next (every
 * `.unreliable()` field's current value), so its state is right again on the first frame it
 * receives after its socket drains, however many frames it missed and whether or not the
 * entities were still moving. That costs a full set of fast fields only for clients that
 * actually missed something, with no per-client field tracking or baseline history on the
 * server; acknowledged baselines (per-client deltas against the last acknowledged frame) would
 * save bytes on idle entities but need a per-client encode every flush.
 *
 * Colyseus flushes unreliable fields right after each reliable patch (`broadcastUnreliablePatch`);
 * a room using this calls `flush` from its tick instead and turns that method into a no-op.
 */
export class UnreliableFlusher {
  readonly #s: SerializerInternals;

  constructor(serializer: SchemaSerializer<any>) {
    this.#s = serializer as unknown as SerializerInternals;
  }

  /** Encodes and sends this tick's unreliable frames. Call once per simulation tick. */
  flush(clients: readonly Client[], now: number): FlushResult {
    const result: FlushResult = { sent: 0, keyframes: 0, dropped: 0 };
    const s = this.#s;
    if (!s.hasUnreliableFields) return result;
    const hasChanges = s.encoder.hasUnreliableChanges;
    // The cached full state (for joiners) includes these fields.
    if (hasChanges) s.needFullEncode = true;

    const delta: Array<[UnreliableChannel, ViewKey]> = [];
    const key: Array<[UnreliableChannel, ViewKey]> = [];
    for (const client of clients) {
      if (client.state !== ClientState.JOINED) continue;
      const channel = channelOf(client);
      if (!channel || (!hasChanges && !channel.needsKeyframe)) continue;
      const blocked = channel.blockedBy(now);
      if (blocked) {
        channel.drop(blocked);
        result.dropped++;
        continue;
      }
      const view: ViewKey = (s.hasFilters && client.view) || SHARED;
      (channel.needsKeyframe ? key : delta).push([channel, view]);
    }

    if (delta.length > 0) {
      // Keyframes are encoded into the same buffer next, so keep a copy when both are needed.
      const frames = this.#encode(delta, key.length > 0);
      for (const [channel, view] of delta) channel.send(frames.get(view)!, false, now);
      result.sent += delta.length;
    }
    if (key.length > 0) {
      markAllUnreliableDirty(s.encoder);
      const frames = this.#encode(key, false);
      for (const [channel, view] of key) channel.send(frames.get(view)!, true, now);
      result.sent += key.length;
      result.keyframes += key.length;
    }
    // The queue is not self-clearing: drain it even when nobody could receive.
    s.encoder.discardUnreliableChanges();
    return result;
  }

  /** Encodes the pending unreliable changes once per distinct view among `receivers`. */
  #encode(receivers: ReadonlyArray<[UnreliableChannel, ViewKey]>, copy: boolean): Map<ViewKey, Uint8Array> {
    const it: Iterator = { offset: HEADER_BYTES };
    const encoder = this.#s.encoder;
    encoder.sharedBuffer[0] = Protocol.ROOM_STATE_PATCH | ProtocolModifier.UNRELIABLE;
    const shared = encoder.encodeUnreliable(it);
    const frames = new Map<ViewKey, Uint8Array>([[SHARED, copy ? shared.slice() : shared]]);
    const sharedOffset = it.offset;
    for (const [, view] of receivers) {
      if (view === SHARED || frames.has(view)) continue;
      // Per-view frames are fresh arrays (shared part + this view's part).
      frames.set(view, encoder.encodeUnreliableView(view, sharedOffset, it));
    }
    return frames;
  }
}
