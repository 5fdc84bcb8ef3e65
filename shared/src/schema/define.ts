import { inputCodecOf } from "../protocol/input.ts";
import { schema, t, type FieldsAndMethods } from "@colyseus/schema";
import { metadataOf } from "./metadata.ts";
import { markOwnerOnly, markUnreliable } from "./unreliable.ts";

// Field helpers for a game's schema. A field wrapped in `fast()` travels on the unreliable
// channel (every tick, a late frame dropped rather than queued); `ownerOnly()` keeps it
// current for the entity's own client alone; `inputAck()` is where the engine writes the
// sequence number of the newest input it simulated for that client. The marks are read by
// `defineEntity`/`defineState` once the class is built (schema 5 refuses `.unreliable()` on
// quantized fields, which are primitives on the wire).

const FAST = Symbol.for("tickwire.fast");
const OWNER_ONLY = Symbol.for("tickwire.ownerOnly");
const INPUT_ACK = Symbol.for("tickwire.inputAck");

/** Metadata key naming the class's input-ack field (see `inputAck`). */
const INPUT_ACK_FIELD = "~__tickwireInputAck";

type Marked = Record<symbol, boolean | undefined>;
/** Bits of a quantized field on the wire. */
type Bits = 8 | 16 | 32;

/** The engine's own fields of every game state: the tick counter and the tick rate. */
export interface EngineState {
  /** Fixed-step tick counter; the engine advances it once per step. */
  tick: number;
  /** Simulation steps per second (TICK_HZ): clients time prediction and interpolation by it. */
  tickRate: number;
}

/** The engine's own field of every input: its sequence number, stamped by the client SDK. */
export interface EngineInput {
  seq: number;
}

/**
 * Marks a primitive field (a number, a quantized number, a boolean, a string) as fast: changes
 * after the entity's first appearance travel on the unreliable channel.
 *
 * @example
 * ```ts
 * const Coin = defineEntity({ x: fast(t.float32()), y: fast(t.float32()), color: t.uint8() }, "Coin");
 * ```
 */
function fastField<B extends object>(builder: B): B {
  (builder as unknown as Marked)[FAST] = true;
  return builder;
}

/**
 * Fast field builders with a compact wire form: a position is 16 bits over [0, max], a
 * velocity 16 bits over [-max, max], an angle 16 bits over a full turn.
 */
export const fast = Object.assign(fastField, {
  position: (max: number, bits: Bits = 16) => fastField(t.quantized({ min: 0, max, bits }).default(0)),
  velocity: (max: number, bits: Bits = 16) => fastField(t.quantized({ min: -max, max, bits }).default(0)),
  angle: (bits: Bits = 16) => fastField(t.angle({ bits }).default(0)),
});

/**
 * A fast field only the entity's own client needs: with interest management, other clients
 * get its value with the entity's snapshot when it comes into view and not after.
 */
export function ownerOnly<B extends object>(builder: B): B {
  (builder as unknown as Marked)[OWNER_ONLY] = true;
  return fastField(builder);
}

/**
 * The field where the engine writes, each tick, the sequence number of the newest input it
 * simulated for the entity's owner: the client's prediction reconciles against it. At most
 * one per entity class; owner-only and fast.
 */
export function inputAck() {
  const builder = ownerOnly(t.uint32().default(0));
  (builder as unknown as Marked)[INPUT_ACK] = true;
  return builder;
}

/** Applies the marks of `fields` to the class built from them. */
function applyMarks(ctor: abstract new (...args: never[]) => unknown, fields: object, name: string): void {
  const entries = Object.entries(fields).filter(([, b]) => typeof b === "object" && b !== null) as Array<
    [string, Marked]
  >;
  const fastNames = entries.filter(([, b]) => b[FAST]).map(([k]) => k);
  const ownerNames = entries.filter(([, b]) => b[OWNER_ONLY]).map(([k]) => k);
  const ackNames = entries.filter(([, b]) => b[INPUT_ACK]).map(([k]) => k);
  if (ackNames.length > 1) throw new Error(`${name} has more than one inputAck() field: ${ackNames.join(", ")}`);
  if (fastNames.length > 0) markUnreliable(ctor, fastNames);
  if (ownerNames.length > 0) markOwnerOnly(ctor, ownerNames);
  if (ackNames[0] !== undefined) {
    const metadata = metadataOf(ctor);
    Object.defineProperty(metadata, INPUT_ACK_FIELD, { value: ackNames[0], enumerable: false, configurable: true });
  }
}

/** The name of the `inputAck()` field of an entity class (or of an instance's class), if it has one. */
export function inputAckFieldOf(classOrInstance: object): string | undefined {
  const ctor = typeof classOrInstance === "function" ? classOrInstance : classOrInstance.constructor;
  const metadata = (ctor as unknown as Record<symbol, Record<string, unknown> | undefined>)[Symbol.metadata];
  return metadata?.[INPUT_ACK_FIELD] as string | undefined;
}

/**
 * Builds an entity class (a player, a ball, a projectile) from schema fields, honouring the
 * `fast`, `ownerOnly` and `inputAck` marks.
 *
 * @example
 * ```ts
 * const Dot = defineEntity(
 *   { name: t.string(), x: fast.position(2000), y: fast.position(2000), ack: inputAck() },
 *   "Dot",
 * );
 * type Dot = SchemaType<typeof Dot>;
 * ```
 */
export function defineEntity<T extends FieldsAndMethods>(fields: T, name: string) {
  const ctor = schema(fields, name);
  applyMarks(ctor, fields, name);
  return ctor;
}

/** The engine's fields, added to every game state by `defineState`. */
const engineStateFields = () => ({
  tick: t.uint32().unreliable().default(0),
  tickRate: t.uint8().default(0),
});

/**
 * Builds a game's root state. Collections whose entities take part in interest management are
 * `t.map(Entity).view()`; the engine adds `tick` and `tickRate`.
 *
 * @example
 * ```ts
 * const DotsState = defineState({ dots: t.map(Dot).view(), coins: t.map(Coin).view() }, "DotsState");
 * ```
 */
export function defineState<T extends FieldsAndMethods>(fields: T, name: string) {
  const all = { ...fields, ...engineStateFields() };
  const ctor = schema(all, name);
  applyMarks(ctor, fields, name);
  return ctor;
}

/**
 * Builds a game's input class: one per client per tick, packed at fixed offsets and sent
 * redundantly (each frame repeats the previous inputs). Its fields are numbers and booleans;
 * any other field throws here, naming it. The engine adds `seq`, which the client SDK stamps.
 *
 * @example
 * ```ts
 * const DotsInput = defineInput({ dx: t.float32().default(0), dy: t.float32().default(0) }, "DotsInput");
 * ```
 */
export function defineInput<T extends FieldsAndMethods>(fields: T, name: string) {
  const ctor = schema({ seq: t.uint32().default(0), ...fields }, name);
  inputCodecOf(ctor);
  return ctor;
}
