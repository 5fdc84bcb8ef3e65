// @colyseus/schema 5.0 refuses `.unreliable()` on any field whose type is not a plain string
// name, to keep refs (maps, child schemas) off the unreliable channel. `t.quantized()` and
// `t.angle()` carry an options object as their type, so they are refused too although they are
// primitives on the wire (a fixed-width integer). This marks such fields the way
// `.unreliable()` would, after the class is built and before anything encodes it.

import { metadataOf } from "./metadata.ts";

/** @colyseus/schema's metadata key listing a class's unreliable field indexes. */
export const UNRELIABLE_FIELDS = "~__unreliableFieldIndexes";

interface FieldMeta {
  type: unknown;
  unreliable?: boolean;
}

type Metadata = Record<string | number | symbol, unknown>;

/** Field `name` of a class's metadata, with its index; throws when there is none. */
function fieldOf(ctor: { name: string }, metadata: Metadata, name: string): { index: number; field: FieldMeta } {
  const index = metadata[name] as number | undefined;
  const field = index === undefined ? undefined : (metadata[index] as FieldMeta | undefined);
  if (index === undefined || !field) throw new Error(`${ctor.name} has no field "${name}"`);
  return { index, field };
}

/** Marks primitive fields of a `schema()` class as unreliable. Throws for a ref-type field. */
export function markUnreliable(ctor: abstract new (...args: never[]) => unknown, fields: readonly string[]): void {
  const metadata = metadataOf(ctor);
  for (const name of fields) {
    const { index, field } = fieldOf(ctor, metadata, name);
    const type = field.type as Record<string, unknown> | string;
    if (typeof type !== "string" && !("quantized" in type)) {
      throw new Error(`${ctor.name}.${name} is a ref-type field; only primitives can be unreliable`);
    }
    if (field.unreliable) continue;
    field.unreliable = true;
    if (!metadata[UNRELIABLE_FIELDS]) {
      Object.defineProperty(metadata, UNRELIABLE_FIELDS, {
        value: [],
        enumerable: false,
        configurable: true,
        writable: true,
      });
    }
    (metadata[UNRELIABLE_FIELDS] as number[]).push(index);
  }
}

/** Metadata key listing a class's owner-only field indexes (see markOwnerOnly). */
export const OWNER_ONLY_FIELDS = "~__tickwireOwnerOnlyFieldIndexes";

/**
 * Marks unreliable fields that only the entity's own client needs (the input acknowledgement a
 * client reconciles against, for one). With interest management the server keeps them current
 * for that client alone; other clients get them with the entity's snapshot when it comes into
 * view and not after.
 */
export function markOwnerOnly(ctor: abstract new (...args: never[]) => unknown, fields: readonly string[]): void {
  const metadata = metadataOf(ctor);
  const indexes: number[] = [];
  for (const name of fields) {
    const { index, field } = fieldOf(ctor, metadata, name);
    if (!field.unreliable) throw new Error(`${ctor.name}.${name} must be unreliable to be owner-only`);
    if (index >= 31) throw new Error(`${ctor.name}.${name}: owner-only fields must be among the first 31`);
    indexes.push(index);
  }
  Object.defineProperty(metadata, OWNER_ONLY_FIELDS, {
    value: indexes,
    enumerable: false,
    configurable: true,
    writable: true,
  });
}
