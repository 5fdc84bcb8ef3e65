import { ClientState, Protocol, ProtocolModifier, type Client } from "@colyseus/core";
import { $refId, encode, OPERATION, type Iterator, type StateView } from "@colyseus/schema";
import { OWNER_ONLY_FIELDS } from "@tickwire/shared/protocol";
import {
  changeTreeOf,
  type EngineSerializer,
  forEachUnreliableChange,
  markAllUnreliableDirty,
  type SchemaTree,
  unreliableFieldIndexes,
} from "../../colyseus.ts";
import { channelOf, type UnreliableChannel } from "./channel.ts";

/** `[code | UNRELIABLE][uint16 seq]`, then the schema body. */
const HEADER_BYTES = 3;
const SHARED = Symbol("shared view");
/** The schema wire's "the following fields belong to ref N" marker. */
const SWITCH_TO_STRUCTURE = 255;
/** Upper bound of one entity's chunk: switch marker, ref id, and up to 64 primitive fields. */
const MAX_CHUNK_BYTES = 1 + 9 + 64 * 10;
/** In a pending-fields mask: a field past bit 30 changed, so send every unreliable field. */
const ALL_FIELDS = 1 << 31;

type ViewKey = StateView | typeof SHARED;

/**
 * What one client holds, for composed frames (see UnreliableFlusher): the schema ref ids of
 * entities under a filtered collection, whose reliable ADD the client has already been sent.
 */
export interface ClientInterest {
  /** The client's own entity (-1 for none, a spectator): its owner-only fields go to this client alone. */
  readonly self: number;
  /** Entities whose fast fields go out every flush (`self` among them). */
  readonly near: ArrayLike<number>;
  /** Entities whose fast fields go out every `farInterval` flushes, with all that changed meanwhile. */
  readonly far: ArrayLike<number>;
  /** Entities that moved from `far` to `near`: they get what they missed in the next frame. The flush empties it. */
  refresh: number[];
}

export type InterestOf = (client: Client) => ClientInterest | undefined;

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
  /** Set for a client whose frame is composed. */
  interest: ClientInterest | undefined;
}

/** Chunks of one kind, by ref id: where each starts and ends in the chunk buffer, this flush. */
class ChunkTable {
  start = new Int32Array(256);
  end = new Int32Array(256);
  stamp = new Int32Array(256);

  has(refId: number, gen: number): boolean {
    return refId < this.stamp.length && this.stamp[refId] === gen;
  }

  set(refId: number, gen: number, start: number, end: number): void {
    if (refId >= this.stamp.length) {
      const size = Math.max(refId + 1, this.stamp.length * 2);
      const grow = (a: Int32Array) => {
        const b = new Int32Array(size);
        b.set(a);
        return b;
      };
      this.start = grow(this.start);
      this.end = grow(this.end);
      this.stamp = grow(this.stamp);
    }
    this.start[refId] = start;
    this.end[refId] = end;
    this.stamp[refId] = gen;
  }
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
 * Composed frames (when `interestOf` answers for a client): with interest management each client
 * holds only some of the filtered entities. Colyseus' per-view encode walks every changed entity
 * of the room for each view, so its cost per client grows with the room rather than with what
 * the client sees. Here each changed entity's fast fields are encoded once per flush into a chunk
 * (`[SWITCH_TO_STRUCTURE][refId][fields...]`, the schema wire's own framing), and a client's frame
 * is the shared part followed by the chunks of the entities it holds: a copy per entity. Three
 * kinds of chunk, each encoded at most once per flush and entity:
 * - delta: what changed this flush, without owner-only fields (for `near` entities);
 * - catch-up: every field changed since the entity's last outer-ring turn (for `far` entities
 *   on their turn, which comes every `farInterval` flushes, staggered by ref id; and for
 *   `refresh` entities);
 * - owner: the owner-only fields that changed, for the entity's own client.
 * The client decodes the frame exactly as it would Colyseus' own view encode.
 *
 * Colyseus flushes unreliable fields right after each reliable patch (`broadcastUnreliablePatch`);
 * a room using this calls `flush` from its tick instead and turns that method into a no-op.
 */
export class UnreliableFlusher {
  // biome-ignore lint/suspicious/noExplicitAny: any room's serializer, whatever its state class
  readonly #s: EngineSerializer<any>;
  readonly #interestOf: InterestOf | undefined;
  readonly #farInterval: number;
  #flushes = 0;
  #gen = 0;
  /** All of this flush's chunks, end to end. */
  #chunks = new Uint8Array(16 * 1024);
  #chunkBytes = 0;
  readonly #delta = new ChunkTable();
  readonly #catchUp = new ChunkTable();
  readonly #owner = new ChunkTable();
  /** Per ref id: fields changed since the entity's last outer-ring turn (bit i = field i). */
  #pending = new Uint32Array(256);
  readonly #pendingIds = new Set<number>();
  readonly #it: Iterator = { offset: 0 };
  /** What #writeField writes, set per chunk. */
  readonly #writing = {
    tree: undefined as unknown as SchemaTree,
    bytes: new Uint8Array(0),
    ownerOnly: 0,
    forOwner: false,
  };
  readonly #writeField = (index: number, op: number): void => {
    const w = this.#writing;
    const owned = index < 31 && (w.ownerOnly & (1 << index)) !== 0;
    if (owned !== w.forOwner) return;
    const desc = w.tree.encDescriptor;
    desc.encoder(this.#s.stateEncoder, w.bytes, w.tree, index, op, this.#it, false, true, desc.metadata);
  };
  /** One client's frame is assembled here; the socket copies it out. */
  #frame = new Uint8Array(16 * 1024);
  #frameLength = 0;

  // biome-ignore lint/suspicious/noExplicitAny: any room's serializer, whatever its state class
  constructor(serializer: EngineSerializer<any>, interestOf?: InterestOf, farInterval = 1) {
    this.#s = serializer;
    this.#interestOf = interestOf;
    this.#farInterval = Math.max(1, Math.floor(farInterval));
  }

  /** Encodes and sends this tick's unreliable frames. Call once per simulation tick. */
  flush(clients: readonly Client[], now: number): FlushResult {
    const result: FlushResult = { sent: 0, keyframes: 0, dropped: 0 };
    const s = this.#s;
    if (!s.hasUnreliableFields) return result;
    this.#flushes++;
    if (this.#interestOf) this.#notePending();
    const hasChanges = s.stateEncoder.hasUnreliableChanges || this.#pendingIds.size > 0;
    // The cached full state (for joiners) includes these fields.
    if (hasChanges) s.invalidateFullState();

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
      const interest = this.#interestOf?.(client);
      const view: ViewKey = (s.filtered && client.view) || SHARED;
      (channel.needsKeyframe ? key : delta).push({ channel, view, interest });
    }

    this.#gen++;
    this.#chunkBytes = 0;
    if (delta.length > 0) {
      this.#sendAll(delta, false, key.length > 0, now);
      result.sent += delta.length;
    }
    if (key.length > 0) {
      markAllUnreliableDirty(s.stateEncoder);
      // The delta chunks are re-encoded from the now complete change sets.
      this.#gen++;
      this.#sendAll(key, true, false, now);
      result.sent += key.length;
      result.keyframes += key.length;
    }
    this.#endTurns();
    // The queue is not self-clearing: drain it even when nobody could receive.
    s.stateEncoder.discardUnreliableChanges();
    return result;
  }

  /** True when entity `refId` takes its outer-ring turn this flush. */
  #turn(refId: number): boolean {
    return (refId + this.#flushes) % this.#farInterval === 0;
  }

  /** Adds this flush's changes of every filtered entity to its pending fields. */
  #notePending(): void {
    forEachUnreliableChange(this.#s.stateEncoder, this.#notePendingOf);
  }

  readonly #notePendingOf = (tree: SchemaTree): void => {
    if (!tree.isFiltered || !tree.unreliableRecorder?.has()) return;
    const refId = tree.ref[$refId] as number;
    if (refId >= this.#pending.length) {
      const bigger = new Uint32Array(Math.max(refId + 1, this.#pending.length * 2));
      bigger.set(this.#pending);
      this.#pending = bigger;
    }
    this.#mask = this.#pending[refId]!;
    tree.unreliableRecorder.forEach(this.#addToMask);
    this.#pending[refId] = this.#mask >>> 0;
    this.#pendingIds.add(refId);
  };

  /** The pending-fields mask being built by #notePendingOf (one callback for every entity, not a closure each). */
  #mask = 0;
  readonly #addToMask = (index: number): void => {
    this.#mask |= index < 31 ? 1 << index : ALL_FIELDS;
  };

  /** Entities whose turn it was have delivered what they had pending. */
  #endTurns(): void {
    for (const refId of this.#pendingIds) {
      if (!this.#turn(refId)) continue;
      this.#pending[refId] = 0;
      this.#pendingIds.delete(refId);
    }
  }

  /** Encodes the pending changes for `receivers` and sends each its frame. */
  #sendAll(receivers: readonly Receiver[], keyframe: boolean, keepShared: boolean, now: number): void {
    // Keyframes are encoded into the same buffer next, so keep a copy when both are needed.
    const frames = this.#encode(receivers, keepShared);
    const shared = frames.get(SHARED)!;
    for (const r of receivers) {
      if (r.interest === undefined) {
        r.channel.send(frames.get(r.view)!, keyframe, now);
        continue;
      }
      r.channel.send(this.#compose(shared, r.interest, keyframe), keyframe, now);
      r.interest.refresh.length = 0;
    }
  }

  /**
   * One client's frame: the shared part, then the chunks of the entities it holds. A keyframe
   * sends every entity it holds in full (the delta chunks then carry every field).
   */
  #compose(shared: Uint8Array, interest: ClientInterest, keyframe: boolean): Uint8Array {
    this.#frameLength = 0;
    this.#append(shared, 0, shared.length);
    const { near, far, refresh } = interest;
    for (let i = 0; i < near.length; i++) this.#appendChunk(this.#delta, near[i]!);
    for (let i = 0; i < far.length; i++) {
      const refId = far[i]!;
      if (keyframe) this.#appendChunk(this.#delta, refId);
      else if (this.#turn(refId)) this.#appendChunk(this.#catchUp, refId);
    }
    if (!keyframe) for (let i = 0; i < refresh.length; i++) this.#appendChunk(this.#catchUp, refresh[i]!);
    if (interest.self >= 0) this.#appendChunk(this.#owner, interest.self);
    return this.#frame.subarray(0, this.#frameLength);
  }

  #appendChunk(table: ChunkTable, refId: number): void {
    if (!table.has(refId, this.#gen)) this.#encodeChunk(table, refId);
    const start = table.start[refId]!;
    const end = table.end[refId]!;
    if (end > start) this.#append(this.#chunks, start, end);
  }

  #append(from: Uint8Array, start: number, end: number): void {
    let at = this.#frameLength;
    const need = at + end - start;
    if (need > this.#frame.length) {
      const bigger = new Uint8Array(Math.max(this.#frame.length * 2, need));
      bigger.set(this.#frame.subarray(0, at));
      this.#frame = bigger;
    }
    const to = this.#frame;
    // Chunks are a few bytes each: a plain loop beats a subarray() allocation per copy.
    if (end - start <= 64) for (let i = start; i < end; i++) to[at++] = from[i]!;
    else to.set(from.subarray(start, end), at);
    this.#frameLength = need;
  }

  /**
   * Encodes entity `refId`'s chunk of the given kind into the chunk buffer (an empty chunk when
   * it has nothing of that kind). Views play no part: what a client may see is decided by which
   * chunks go into its frame.
   */
  #encodeChunk(table: ChunkTable, refId: number): void {
    const encoder = this.#s.stateEncoder;
    const tree = changeTreeOf(encoder, refId);
    const start = this.#chunkBytes;
    if (!tree) {
      table.set(refId, this.#gen, start, start);
      return;
    }
    if (start + MAX_CHUNK_BYTES > this.#chunks.length) {
      const bigger = new Uint8Array(this.#chunks.length * 2);
      bigger.set(this.#chunks.subarray(0, start));
      this.#chunks = bigger;
    }
    const bytes = this.#chunks;
    const it = this.#it;
    it.offset = start;
    bytes[it.offset++] = SWITCH_TO_STRUCTURE;
    encode.number(bytes, refId, it);
    const header = it.offset;
    const desc = tree.encDescriptor;
    const ownerOnly = ownerOnlyMask(desc.metadata);
    if (table === this.#catchUp) {
      const mask = this.#pending[refId] ?? 0;
      const all = (mask & ALL_FIELDS) !== 0;
      for (const index of unreliableFieldIndexes(desc.metadata)) {
        if (ownerOnly & (1 << index) || (!all && !(mask & (1 << index)))) continue;
        const op = tree.ref[desc.names[index]!] === undefined ? OPERATION.DELETE : OPERATION.ADD;
        desc.encoder(encoder, bytes, tree, index, op, it, false, true, desc.metadata);
      }
    } else {
      // The recorder's callback is made once (below): no closure per chunk on this hot path.
      const w = this.#writing;
      w.tree = tree;
      w.bytes = bytes;
      w.ownerOnly = ownerOnly;
      w.forOwner = table === this.#owner;
      tree.unreliableRecorder?.forEach(this.#writeField);
    }
    // Nothing of this kind: no chunk at all (not even the switch header).
    const end = it.offset === header ? start : it.offset;
    this.#chunkBytes = end;
    table.set(refId, this.#gen, start, end);
  }

  /** Encodes the pending unreliable changes once per distinct view among `receivers`. */
  #encode(receivers: readonly Receiver[], copy: boolean): Map<ViewKey, Uint8Array> {
    const it: Iterator = { offset: HEADER_BYTES };
    const encoder = this.#s.stateEncoder;
    encoder.sharedBuffer[0] = Protocol.ROOM_STATE_PATCH | ProtocolModifier.UNRELIABLE;
    const shared = encoder.encodeUnreliable(it);
    const frames = new Map<ViewKey, Uint8Array>([[SHARED, copy ? shared.slice() : shared]]);
    const sharedOffset = it.offset;
    for (const { view, interest } of receivers) {
      if (interest !== undefined || view === SHARED || frames.has(view)) continue;
      // Per-view frames are fresh arrays (shared part + this view's part).
      frames.set(view, encoder.encodeUnreliableView(view, sharedOffset, it));
    }
    return frames;
  }
}

/** Bit mask of a schema class's owner-only field indexes (see markOwnerOnly). */
function ownerOnlyMask(metadata: Record<string | number, unknown>): number {
  const indexes = metadata[OWNER_ONLY_FIELDS] as number[] | undefined;
  let mask = 0;
  if (indexes) for (const i of indexes) mask |= 1 << i;
  return mask;
}
