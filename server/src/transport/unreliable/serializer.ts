import { ClientState, Protocol, ProtocolModifier, type Client, type SchemaSerializer } from "@colyseus/core";
import { $refId, encode, type Encoder, type Iterator, type StateView } from "@colyseus/schema";
import { channelOf, type UnreliableChannel } from "./channel.ts";
import { markAllUnreliableDirty } from "./keyframe.ts";

/** `[code | UNRELIABLE][uint16 seq]`, then the schema body. */
const HEADER_BYTES = 3;
const SHARED = Symbol("shared view");
/** The schema wire's "the following fields belong to ref N" marker. */
const SWITCH_TO_STRUCTURE = 255;

type ViewKey = StateView | typeof SHARED;

/**
 * The filtered entities a client holds (whose reliable ADD it has been sent), or undefined for a
 * client without interest management. See `UnreliableFlusher`'s "composed frames".
 */
export type EntitiesOf = (client: Client) => Iterable<object> | undefined;

/** Internals of a schema ChangeTree the composer reads. */
interface Tree {
  ref: Record<PropertyKey, unknown>;
  isFiltered: boolean;
  unreliableRecorder?: { has(): boolean; forEach(cb: (index: number, op: number) => void): void };
  encDescriptor: {
    encoder: (encoder: Encoder<any>, bytes: Uint8Array, tree: Tree, index: number, op: number, it: Iterator, all: boolean, view: boolean, metadata: unknown) => void;
    metadata: unknown;
  };
}
interface QueueNode {
  changeTree: Tree;
  next?: QueueNode;
}

export interface FlushResult {
  /** Clients that got a frame this flush. */
  sent: number;
  /** ...of which keyframes. */
  keyframes: number;
  /** Clients whose frame was dropped. */
  dropped: number;
}

interface Receiver {
  channel: UnreliableChannel;
  view: ViewKey;
  /** Set for a client whose frame is composed (see UnreliableFlusher). */
  entities: Iterable<object> | undefined;
}

/** Upper bound of one entity's chunk: switch marker, ref id, and up to 64 primitive fields. */
const MAX_CHUNK_BYTES = 1 + 9 + 64 * 10;

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
  readonly #entitiesOf: EntitiesOf | undefined;
  /** Every changed filtered entity's fields, encoded once per flush (see #encodeEntities). */
  #chunks = new Uint8Array(16 * 1024);
  /** Per ref id: where its chunk starts and ends in #chunks, valid when #chunkGen matches. */
  #chunkStart = new Int32Array(1024);
  #chunkEnd = new Int32Array(1024);
  #chunkStamp = new Int32Array(1024);
  #gen = 0;
  /** One client's frame is assembled here, then copied out by the socket. */
  #frame = new Uint8Array(16 * 1024);

  /**
   * `entitiesOf`, when given, turns on composed frames for the clients it answers for:
   *
   * Composed frames: with interest management each client holds only some of the filtered
   * entities. Colyseus' per-view encode walks every changed entity of the room for each view,
   * so its cost per client grows with the room rather than with what the client sees. Here each
   * changed entity's fast fields are encoded once per flush into a chunk
   * (`[SWITCH_TO_STRUCTURE][refId][fields...]`, the schema wire's own framing), and a client's
   * frame is the shared part followed by the chunks of the entities it holds: a copy per visible
   * entity. The client decodes it exactly as it would Colyseus' own view encode.
   */
  constructor(serializer: SchemaSerializer<any>, entitiesOf?: EntitiesOf) {
    this.#s = serializer as unknown as SerializerInternals;
    this.#entitiesOf = entitiesOf;
  }

  /** Encodes and sends this tick's unreliable frames. Call once per simulation tick. */
  flush(clients: readonly Client[], now: number): FlushResult {
    const result: FlushResult = { sent: 0, keyframes: 0, dropped: 0 };
    const s = this.#s;
    if (!s.hasUnreliableFields) return result;
    const hasChanges = s.encoder.hasUnreliableChanges;
    // The cached full state (for joiners) includes these fields.
    if (hasChanges) s.needFullEncode = true;

    const delta: Receiver[] = [];
    const key: Receiver[] = [];
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
      const entities = this.#entitiesOf?.(client);
      const view: ViewKey = (s.hasFilters && client.view) || SHARED;
      (channel.needsKeyframe ? key : delta).push({ channel, view, entities });
    }

    if (delta.length > 0) {
      this.#sendAll(delta, false, key.length > 0, now);
      result.sent += delta.length;
    }
    if (key.length > 0) {
      markAllUnreliableDirty(s.encoder);
      this.#sendAll(key, true, false, now);
      result.sent += key.length;
      result.keyframes += key.length;
    }
    // The queue is not self-clearing: drain it even when nobody could receive.
    s.encoder.discardUnreliableChanges();
    return result;
  }

  /** Encodes the pending changes for `receivers` and sends each its frame. */
  #sendAll(receivers: readonly Receiver[], keyframe: boolean, keepShared: boolean, now: number): void {
    const composed = receivers.some((r) => r.entities !== undefined);
    // Keyframes are encoded into the same buffer next, so keep a copy when both are needed.
    const frames = this.#encode(receivers, keepShared);
    if (!composed) {
      for (const r of receivers) r.channel.send(frames.get(r.view)!, keyframe, now);
      return;
    }
    const shared = frames.get(SHARED)!;
    this.#encodeEntities();
    for (const r of receivers) {
      if (r.entities === undefined) {
        r.channel.send(frames.get(r.view)!, keyframe, now);
        continue;
      }
      r.channel.send(this.#compose(shared, r.entities), keyframe, now);
    }
  }

  /**
   * Encodes each filtered entity's pending unreliable fields once, into its own chunk. Views
   * play no part: what a client may see is decided by which chunks go into its frame.
   */
  #encodeEntities(): void {
    const encoder = this.#s.encoder;
    const gen = ++this.#gen;
    const it: Iterator = { offset: 0 };
    let node = (encoder.root.unreliableChanges as unknown as QueueNode).next;
    for (; node; node = node.next) {
      const tree = node.changeTree;
      const recorder = tree.unreliableRecorder;
      if (!tree.isFiltered || !recorder?.has()) continue;
      const refId = tree.ref[$refId] as number;
      this.#reserveChunk(refId, it.offset);
      const start = it.offset;
      this.#chunks[it.offset++] = SWITCH_TO_STRUCTURE;
      encode.number(this.#chunks, refId, it);
      const { encoder: fieldEncoder, metadata } = tree.encDescriptor;
      const bytes = this.#chunks;
      recorder.forEach((index, op) => fieldEncoder(encoder, bytes, tree, index, op, it, false, true, metadata));
      this.#chunkStart[refId] = start;
      this.#chunkEnd[refId] = it.offset;
      this.#chunkStamp[refId] = gen;
    }
  }

  /** Grows the per-ref tables to hold `refId`, and the chunk buffer to hold one more entity. */
  #reserveChunk(refId: number, offset: number): void {
    if (refId >= this.#chunkStamp.length) {
      const size = Math.max(refId + 1, this.#chunkStamp.length * 2);
      const grow = (a: Int32Array) => { const b = new Int32Array(size); b.set(a); return b; };
      this.#chunkStart = grow(this.#chunkStart);
      this.#chunkEnd = grow(this.#chunkEnd);
      this.#chunkStamp = grow(this.#chunkStamp);
    }
    // An entity's fast fields are primitives: at most 9 bytes each plus the op byte.
    if (offset + MAX_CHUNK_BYTES > this.#chunks.length) {
      const bigger = new Uint8Array(this.#chunks.length * 2);
      bigger.set(this.#chunks.subarray(0, offset));
      this.#chunks = bigger;
    }
  }

  /** One client's frame: the shared part, then the chunks of the entities it holds. */
  #compose(shared: Uint8Array, entities: Iterable<object>): Uint8Array {
    const gen = this.#gen;
    let length = shared.length;
    let frame = this.#frame;
    frame.set(shared, 0);
    for (const entity of entities) {
      const refId = (entity as Record<PropertyKey, unknown>)[$refId] as number | undefined;
      if (refId === undefined || this.#chunkStamp[refId] !== gen) continue;
      const start = this.#chunkStart[refId]!;
      const end = this.#chunkEnd[refId]!;
      if (length + end - start > frame.length) {
        const bigger = new Uint8Array(Math.max(frame.length * 2, length + end - start));
        bigger.set(frame.subarray(0, length));
        this.#frame = frame = bigger;
      }
      frame.set(this.#chunks.subarray(start, end), length);
      length += end - start;
    }
    return frame.subarray(0, length);
  }

  /** Encodes the pending unreliable changes once per distinct view among `receivers`. */
  #encode(receivers: readonly Receiver[], copy: boolean): Map<ViewKey, Uint8Array> {
    const it: Iterator = { offset: HEADER_BYTES };
    const encoder = this.#s.encoder;
    encoder.sharedBuffer[0] = Protocol.ROOM_STATE_PATCH | ProtocolModifier.UNRELIABLE;
    const shared = encoder.encodeUnreliable(it);
    const frames = new Map<ViewKey, Uint8Array>([[SHARED, copy ? shared.slice() : shared]]);
    const sharedOffset = it.offset;
    for (const { view, entities } of receivers) {
      if (entities !== undefined || view === SHARED || frames.has(view)) continue;
      // Per-view frames are fresh arrays (shared part + this view's part).
      frames.set(view, encoder.encodeUnreliableView(view, sharedOffset, it));
    }
    return frames;
  }
}
