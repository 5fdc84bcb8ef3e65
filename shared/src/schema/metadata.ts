// Reading @colyseus/schema class metadata (where a `schema()` class keeps its fields): the one
// place in the packages that knows its layout, used by the field marks here, by the server's
// checks of a game definition and by the client SDK's checks of a game description. Pinned by
// test/unit/colyseusAdapter.test.ts and test/unit/sdkAdapter.test.ts.

type Metadata = Record<string | number | symbol, unknown>;

/** One field of a schema class, as its metadata describes it. */
export interface SchemaField {
  name: string;
  /** A primitive type name (`"float32"`, `"string"`...), or `{ map: Class }`, `{ quantized: ... }`... */
  type: unknown;
  /** Set for a `.view()` field (filtered per client by a StateView). */
  tag?: number;
}

const NUMBER_TYPES = new Set([
  "number",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "float32",
  "float64",
]);

/** A schema class's metadata; throws for a class without. */
export function metadataOf(ctor: unknown): Metadata {
  const metadata = (ctor as Record<symbol, Metadata | undefined>)[Symbol.metadata];
  if (!metadata) throw new Error(`${(ctor as { name?: string }).name ?? "class"} is not a schema class`);
  return metadata;
}

/** The fields of a schema class in declaration order. */
export function schemaFields(ctor: unknown): SchemaField[] {
  const metadata = metadataOf(ctor);
  const fields: SchemaField[] = [];
  for (let i = 0; metadata[i] !== undefined; i++) fields.push(metadata[i] as SchemaField);
  return fields;
}

/** A field of a schema class by name, or undefined (also for a class without metadata). */
export function schemaField(ctor: unknown, name: string): SchemaField | undefined {
  const metadata = (ctor as Record<symbol, Metadata | undefined>)[Symbol.metadata];
  const index = metadata?.[name];
  return typeof index === "number" ? (metadata![index] as SchemaField | undefined) : undefined;
}

/** True for a field that holds a number (an integer, a float, a quantized number or angle). */
export function isNumericField(field: SchemaField): boolean {
  const t = field.type;
  return typeof t === "string" ? NUMBER_TYPES.has(t) : typeof t === "object" && t !== null && "quantized" in t;
}

/** The entity class of a `t.map(Entity)` field, or undefined for any other field. */
export function mapEntityClass(field: SchemaField | undefined): object | undefined {
  const t = field?.type;
  return typeof t === "object" && t !== null && "map" in t && typeof t.map === "function" ? t.map : undefined;
}
