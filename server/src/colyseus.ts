import { Room, SchemaSerializer } from "@colyseus/core";
import { type Encoder, type Iterator, OPERATION, type Schema } from "@colyseus/schema";
import { mapEntityClass, schemaField, UNRELIABLE_FIELDS } from "@tickwire/shared/protocol";

// Every place the server reaches past Colyseus' public API is here, each pinned by
// test/unit/colyseusAdapter.test.ts: an upgrade that moves one of them fails there, loudly.

/**
 * A room's schema serializer with the parts the unreliable flush works on made reachable. A
 * subclass may read the protected fields; the room installs it through the public
 * `setSerializer` (see `EngineRoom.setSerializer`).
 */
export class EngineSerializer<T extends Schema> extends SchemaSerializer<T> {
  /** The one encoder of the room's state (a second Encoder would assign its own ref ids). */
  get stateEncoder(): Encoder<T> {
    return this.encoder;
  }
  /** True when some collection of the state is filtered by views. */
  get filtered(): boolean {
    return this.hasFilters;
  }
  /** Set when the cached full state (sent to joiners) must be encoded again. */
  invalidateFullState(): void {
    this.needFullEncode = true;
  }
}

/**
 * Seats reserved by matchmaking but not yet taken. Colyseus keeps them in `_reservedSeats`
 * (TypeScript-private): they count in its own max-clients test, and must count in ours.
 */
export function reservedSeatCount(room: Room): number {
  const seats = (room as unknown as { _reservedSeats?: object })._reservedSeats;
  if (seats === undefined) throw new Error("Colyseus Room has no _reservedSeats: the adapter needs updating");
  return Object.keys(seats).length;
}

/**
 * The monitor's own room data (clients, elapsed time...): @colyseus/monitor adds
 * `getInspectData` to `Room.prototype`; a room that adds its own data calls this first.
 */
export async function monitorInspectData(room: Room): Promise<Record<string, unknown>> {
  const inspect = (Room.prototype as unknown as { getInspectData?: (this: Room) => Promise<Record<string, unknown>> })
    .getInspectData;
  if (typeof inspect !== "function") {
    throw new Error("@colyseus/monitor did not add Room.prototype.getInspectData: the adapter needs updating");
  }
  return inspect.call(room);
}

// --- @colyseus/schema's encoder internals, which the unreliable flush works on ---

// biome-ignore lint/suspicious/noExplicitAny: any room's encoder, whatever its state class
type AnyEncoder = Encoder<any>;

/** The parts of a schema ChangeTree (one per entity) the flush reads. */
export interface SchemaTree {
  ref: Record<PropertyKey, unknown>;
  isFiltered: boolean;
  /** Not yet sent in a reliable ADD: its values will ride that ADD. */
  isNew: boolean;
  metadata: Record<string | number, unknown>;
  unreliableRecorder?: { has(): boolean; forEach(cb: (index: number, op: number) => void): void };
  encDescriptor: {
    encoder: (
      encoder: AnyEncoder,
      bytes: Uint8Array,
      tree: SchemaTree,
      index: number,
      op: number,
      it: Iterator,
      all: boolean,
      view: boolean,
      metadata: unknown,
    ) => void;
    metadata: Record<string | number, unknown>;
    names: string[];
    hasAnyUnreliable?: boolean;
  };
  change(index: number, op: number): void;
}

interface QueueNode {
  changeTree: SchemaTree;
  next?: QueueNode;
}

/** The entity with schema ref id `refId`, if the encoder still tracks it. */
export function changeTreeOf(encoder: AnyEncoder, refId: number): SchemaTree | undefined {
  return (encoder.root.changeTrees as unknown as Record<number, SchemaTree | undefined>)[refId];
}

/** Calls `cb` with every entity that has unreliable changes pending this flush. */
export function forEachUnreliableChange(encoder: AnyEncoder, cb: (tree: SchemaTree) => void): void {
  let node = (encoder.root.unreliableChanges as unknown as QueueNode).next;
  for (; node; node = node.next) cb(node.changeTree);
}

/** The unreliable field indexes of a schema class, from its metadata. */
export function unreliableFieldIndexes(metadata: Record<string | number, unknown>): readonly number[] {
  return (metadata[UNRELIABLE_FIELDS] as number[] | undefined) ?? [];
}

/**
 * Marks every unreliable field of every entity as changed, so the next unreliable encode
 * carries the full current values: a keyframe.
 *
 * Entities whose reliable ADD has not been encoded yet (`isNew`) are skipped: their values
 * ride that ADD, and marking them here would put them on the reliable channel.
 */
export function markAllUnreliableDirty(encoder: AnyEncoder): void {
  const trees = encoder.root.changeTrees as unknown as Record<number, SchemaTree>;
  for (const refId in trees) {
    const tree = trees[refId]!;
    if (!tree.encDescriptor?.hasAnyUnreliable || tree.isNew) continue;
    const metadata = tree.metadata;
    for (const index of unreliableFieldIndexes(metadata)) {
      const name = (metadata[index] as { name?: string } | undefined)?.name;
      if (name !== undefined && tree.ref[name] !== undefined) tree.change(index, OPERATION.ADD);
    }
  }
}

// --- schema class metadata, which defineGame checks a definition against ---

// The schema metadata the server reads, to check a game definition (engine/game.ts).
export { schemaField } from "@tickwire/shared/protocol";

/** True when the field is a `.view()` field (filtered per client by a StateView). */
export function isViewField(ctor: unknown, name: string): boolean {
  return schemaField(ctor, name)?.tag !== undefined;
}

/** The entity class of a `t.map(Entity)` field, if the field is one. */
export function collectionEntityClass(ctor: unknown, name: string): object | undefined {
  return mapEntityClass(schemaField(ctor, name));
}
