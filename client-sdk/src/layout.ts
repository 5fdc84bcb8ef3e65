import { inputAckFieldOf } from "@tickwire/shared/protocol";
import { isNumericField, mapEntityClass, schemaFields } from "./colyseus.ts";
import type { AnyClientGame } from "./game.ts";
import type { SnapshotLayout } from "./netcode/interpolation.ts";
import type { RenderedBase } from "./netcode/netcode.ts";

// A game's description turned, once, into what the netcode reads every frame: per collection
// the entity's numeric fields and the interpolated columns, the predicted entity's ack field,
// and the input's fields. Every name the game gives is checked against its schema here, so a
// typo fails at join with the name in the message, not as NaN on screen.

/** A rendered row's own keys: an entity field of the same name is not copied over them. */
const ROW_KEYS: Record<keyof RenderedBase<unknown>, true> = { id: true, entity: true, self: true, extrapolated: true };

/** One collection of the state, as the netcode reads it. */
export interface CollectionLayout {
  /** Every numeric field of the entity class (rendered entities carry them all). */
  numeric: readonly string[];
  /** The numeric fields a rendered row copies from its entity (those not named like a row's own keys). */
  copied: readonly string[];
  /** The interpolated fields, in column order, and their layout; undefined: not interpolated. */
  interpolated?: { fields: readonly string[]; layout: SnapshotLayout };
}

/** The predicted entity, as the netcode reads it. */
export interface PredictLayout {
  collection: string;
  /** The entity's `inputAck()` field. */
  ackField: string;
}

/** The input class, as `sendInput` fills it. */
export interface InputLayout {
  /** Every field but `seq`, and its default value. */
  defaults: Readonly<Record<string, unknown>>;
  /** The float32 fields: the predicted copy is rounded as the wire rounds them. */
  float32: readonly string[];
}

export interface GameLayout {
  collections: ReadonlyMap<string, CollectionLayout>;
  predict: PredictLayout | undefined;
  input: InputLayout;
}

const cache = new WeakMap<object, GameLayout>();

/** The layout of `game` (computed once per game object). Throws on a name the schema does not have. */
export function layoutOf(game: AnyClientGame): GameLayout {
  let layout = cache.get(game);
  if (!layout) {
    layout = build(game);
    cache.set(game, layout);
  }
  return layout;
}

function build(game: AnyClientGame): GameLayout {
  const stateName = game.state.name;
  const collections = new Map<string, CollectionLayout>();
  const entityClasses = new Map<string, object>();
  for (const field of schemaFields(game.state)) {
    const entity = mapEntityClass(field);
    if (!entity) continue;
    entityClasses.set(field.name, entity);
    const numeric = schemaFields(entity)
      .filter(isNumericField)
      .map((f) => f.name);
    collections.set(field.name, { numeric, copied: numeric.filter((f) => !(f in ROW_KEYS)), interpolated: undefined });
  }
  const numericOf = (collection: string, what: string): readonly string[] => {
    const c = collections.get(collection);
    if (!c) throw new Error(`${what}: ${stateName} has no collection "${collection}" (a t.map(Entity) field)`);
    return c.numeric;
  };
  const check = (collection: string, names: readonly string[], what: string) => {
    const numeric = numericOf(collection, what);
    for (const n of names) {
      if (!numeric.includes(n))
        throw new Error(`${what}: ${stateName}.${collection} entities have no numeric field "${n}"`);
    }
  };

  for (const [collection, spec] of Object.entries(game.interpolate ?? {})) {
    if (!spec) continue;
    const what = `interpolate.${collection}`;
    const fields = [
      ...new Set([...spec.position, ...(spec.velocity ?? []), ...(spec.angles ?? []), ...(spec.values ?? [])]),
    ];
    check(collection, fields, what);
    const col = (n: string) => fields.indexOf(n);
    collections.get(collection)!.interpolated = {
      fields,
      layout: {
        columns: fields.length,
        position: [col(spec.position[0]), col(spec.position[1])],
        velocity: spec.velocity && [col(spec.velocity[0]), col(spec.velocity[1])],
        angles: spec.angles?.map(col),
      },
    };
  }

  let predict: PredictLayout | undefined;
  if (game.predict) {
    const { collection, fields, position } = game.predict;
    check(collection, [...fields, ...position], "predict");
    for (const p of position)
      if (!fields.includes(p)) throw new Error(`predict: position field "${p}" is not in fields`);
    const entity = entityClasses.get(collection)!;
    const ackField = inputAckFieldOf(entity);
    if (!ackField) {
      throw new Error(`predict: ${stateName}.${collection} entities have no inputAck() field to reconcile against`);
    }
    predict = { collection, ackField };
  }

  const instance = new game.input() as Record<string, unknown>;
  const defaults: Record<string, unknown> = {};
  const float32: string[] = [];
  for (const f of schemaFields(game.input)) {
    if (f.name === "seq") continue;
    defaults[f.name] = instance[f.name];
    if (f.type === "float32") float32.push(f.name);
  }
  return { collections, predict, input: { defaults, float32 } };
}
