import { OPERATION, type Encoder } from "@colyseus/schema";

// The schema metadata key listing a class's `.unreliable()` field indexes.
const UNRELIABLE_FIELDS = "~__unreliableFieldIndexes";

interface FieldMeta {
  name?: string;
}

/**
 * Marks every `.unreliable()` field of every entity as changed, so the next unreliable encode
 * carries the full current values: a keyframe.
 *
 * Entities whose reliable ADD has not been encoded yet (`isNew`) are skipped: their values
 * ride that ADD, and marking them here would put them on the reliable channel.
 */
// biome-ignore lint/suspicious/noExplicitAny: any room's encoder, whatever its state class
export function markAllUnreliableDirty(encoder: Encoder<any>): void {
  const trees = encoder.root.changeTrees;
  for (const refId in trees) {
    const tree = trees[refId]!;
    if (!tree.encDescriptor?.hasAnyUnreliable || tree.isNew) continue;
    const metadata = tree.metadata as unknown as Record<string | number, FieldMeta | number[] | undefined>;
    const indexes = metadata[UNRELIABLE_FIELDS] as number[] | undefined;
    if (!indexes) continue;
    const ref = tree.ref as unknown as Record<string, unknown>;
    for (const index of indexes) {
      const name = (metadata[index] as FieldMeta | undefined)?.name;
      if (name !== undefined && ref[name] !== undefined) tree.change(index, OPERATION.ADD);
    }
  }
}
