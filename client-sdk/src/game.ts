import type { EngineInput, EngineState, MapSchema } from "@tickwire/shared";
import type { BodyFields } from "./netcode/prediction.ts";

// What a game tells the SDK about itself: its state and input classes, how its own entity is
// predicted (with the game's own step) and which fields of which collections are interpolated.
// Plain data and pure functions, shared with the game's client code.

/** Keys of the state `S` whose value is a collection of entities (a `MapSchema`). */
export type CollectionKey<S> = {
  // biome-ignore lint/suspicious/noExplicitAny: any entity type
  [K in keyof S]-?: S[K] extends MapSchema<any, any> ? K : never;
}[keyof S] &
  string;

/** The entity type of collection `K` of the state `S`. */
// biome-ignore lint/suspicious/noExplicitAny: any key type
export type EntityOf<S, K extends keyof S> = S[K] extends MapSchema<infer E, any> ? E : never;

/** Keys of `E` whose value is a number. */
export type NumericKey<E> = { [K in keyof E]-?: E[K] extends number ? K : never }[keyof E] & string;

/** The fields of an input a game sets: every data field but the `seq` the SDK stamps (any may be left out: it is sent as its default). */
export type InputFields<I> = Partial<{
  // biome-ignore lint/suspicious/noExplicitAny: any function
  [K in keyof I as K extends "seq" ? never : I[K] extends (...args: any[]) => unknown ? never : K]: I[K];
}>;

/** How this client's own entity is predicted. */
export interface Prediction<S, I, K extends CollectionKey<S>, F extends NumericKey<EntityOf<S, K>>> {
  /** The collection holding the entity: it is `state[collection].get(sessionId)`. */
  collection: K;
  /** Numeric fields copied from the server entity into the predicted body, which `step` reads and writes. */
  fields: readonly F[];
  /** Two of `fields`: the position (a correction is smoothed on it; a jump past `teleportDistance` is a teleport). */
  position: readonly [F, F];
  /** The game's own pure step, the very function its server runs: advances `body` by one input of `dt` seconds. */
  step(body: BodyFields<F>, input: Readonly<NoInfer<I>>, dt: number, state: S): void;
  /** False: inputs are consumed without moving the body (e.g. the entity is waiting to respawn). Default: always true. */
  active?(entity: EntityOf<S, K>): boolean;
}

/** Which fields of one collection's entities are interpolated between snapshots. */
export interface InterpolationSpec<F extends string> {
  /** The position: a jump between samples longer than `teleportDistance` is not interpolated across. */
  position: readonly [F, F];
  /** The velocity (units per second) of `position`: a late frame is extrapolated along it, briefly. */
  velocity?: readonly [F, F];
  /** Angles in radians, interpolated the shortest way round. */
  angles?: readonly F[];
  /** Other numbers, interpolated linearly. */
  values?: readonly F[];
}

/** Per collection: which fields are interpolated (the others show their newest value). */
export type Interpolation<S> = { [C in CollectionKey<S>]?: InterpolationSpec<NumericKey<EntityOf<S, C>>> };

/**
 * What a game tells the SDK about itself. `S` is its state (from `defineState`), `I` its input
 * (from `defineInput`); `K` and `F` (the predicted collection and fields) are inferred.
 */
export interface ClientGame<
  S extends EngineState,
  I extends EngineInput,
  K extends CollectionKey<S> = CollectionKey<S>,
  F extends NumericKey<EntityOf<S, K>> = NumericKey<EntityOf<S, K>>,
> {
  /** The state class (`defineState`). */
  state: new () => S;
  /** The input class (`defineInput`). */
  input: new () => I;
  /**
   * Sanitizes an input the way the server will (the game's own function, shared with its
   * server), in place; applied to the copy that is predicted. Its result is ignored.
   */
  sanitizeInput?(input: NoInfer<I>): unknown;
  /** Prediction of this client's own entity `state[collection].get(sessionId)`; omitted: no prediction. */
  predict?: Prediction<S, I, K, F>;
  /** Per collection: which fields are interpolated between snapshots. */
  interpolate?: Interpolation<S>;
}

/** Any game, whatever its state and input (what the netcode reads of one). */
export interface AnyClientGame {
  // biome-ignore lint/suspicious/noExplicitAny: any state class
  state: new () => any;
  // biome-ignore lint/suspicious/noExplicitAny: any input class
  input: new () => any;
  // biome-ignore lint/suspicious/noExplicitAny: any input
  sanitizeInput?(input: any): unknown;
  predict?: {
    collection: string;
    fields: readonly string[];
    position: readonly [string, string];
    // biome-ignore lint/suspicious/noExplicitAny: any body, input and state
    step(body: any, input: any, dt: number, state: any): void;
    // biome-ignore lint/suspicious/noExplicitAny: any entity
    active?(entity: any): boolean;
  };
  interpolate?: { [collection: string]: InterpolationSpec<string> | undefined };
}

/** The state type of a game. */
export type StateOf<G> = G extends ClientGame<infer S, infer _I, infer _K, infer _F> ? S : never;
/** The input type of a game. */
export type InputOf<G> = G extends ClientGame<infer _S, infer I, infer _K, infer _F> ? I : never;
/** The own entity's type of a game: an entity of its predicted collection. */
export type SelfOf<G> = G extends ClientGame<infer S, infer _I, infer K, infer _F> ? EntityOf<S, K> : never;
/** The predicted body of a game: its predicted fields. */
export type BodyOf<G> = G extends ClientGame<infer _S, infer _I, infer _K, infer F> ? BodyFields<F> : never;

/**
 * Declares a game for the SDK; the identity function, there for type inference (the
 * predicted collection and fields are checked against the state's entity type).
 *
 * @example
 * ```ts
 * const Dot = defineEntity({ x: fast.position(1000), y: fast.position(1000), ack: inputAck() }, "Dot");
 * const DotsState = defineState({ dots: t.map(Dot).view() }, "DotsState");
 * const DotsInput = defineInput({ dx: t.float32().default(0), dy: t.float32().default(0) }, "DotsInput");
 * export const dotsGame = defineClientGame({
 *   state: DotsState,
 *   input: DotsInput,
 *   predict: {
 *     collection: "dots",
 *     fields: ["x", "y"],
 *     position: ["x", "y"],
 *     step: (body, input, dt) => slide(body, input, dt), // the server's own step
 *   },
 *   interpolate: { dots: { position: ["x", "y"] } },
 * });
 * const dots = await new TickwireClient("ws://localhost:2567").join("dots", {}, dotsGame);
 * ```
 */
export function defineClientGame<
  S extends EngineState,
  I extends EngineInput,
  K extends CollectionKey<S> = CollectionKey<S>,
  F extends NumericKey<EntityOf<S, K>> = NumericKey<EntityOf<S, K>>,
>(game: ClientGame<S, I, K, F>): ClientGame<S, I, K, F> {
  return game;
}
