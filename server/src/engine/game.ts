import type { MapSchema } from "@colyseus/schema";
import type { EngineInput, EngineState } from "@tickwire/shared";
import type { Logger } from "../observability/log.ts";
import { collectionEntityClass, isViewField, schemaField } from "../colyseus.ts";
import type { CollectionHistory, EntityHistory } from "./history.ts";
import type { CollectionInterest } from "./interest.ts";

/** Names of the state's keyed collections (`t.map(Entity)` fields). */
export type CollectionKey<S> = {
  // biome-ignore lint/suspicious/noExplicitAny: any entity type
  [K in keyof S & string]: S[K] extends MapSchema<any, any> ? K : never;
}[keyof S & string];

/**
 * Validates an untrusted value; a zod schema is one. On failure the issues say what was wrong,
 * and the client is told.
 */
export interface Validator<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
}

/** Who joined: identity from the verified token (or anonymous), and the validated join options. */
export interface PlayerInfo<O = unknown> {
  sessionId: string;
  /** The token's `sub`, or `anon:<sessionId>` when joins are anonymous. */
  userId: string;
  /** The token's name; anonymous: the join options' `name` if a string, else `player-<n>`. */
  name: string;
  options: O;
}

/** What the engine gives a game's hooks: the room's state and clock, sending, interest queries, history. */
export interface GameContext<S> {
  readonly state: S;
  readonly roomId: string;
  /** Seconds per step (1 / tickRate). */
  readonly dt: number;
  /** Steps per second. */
  readonly tickRate: number;
  /** The tick being stepped (during `step`), else the next one. */
  readonly tick: number;
  /** Session ids of the clients holding a seat (joined, or dropped with the seat held). */
  readonly clients: readonly string[];
  /** Lag compensation (when the game declared `history`). */
  readonly history: EntityHistory | undefined;
  /** The tick to test a client's action at: the one it saw (`seenTick`), at most the history's length back, never ahead. */
  rewindTarget(seenTick: number): number;
  /** Sends a message to one client (reliable). */
  send(sessionId: string, type: string, payload: unknown): void;
  /** Sends a message to every client (reliable). */
  broadcast(type: string, payload: unknown): void;
  /** Tells a client one of its messages was ignored and why (the `error` message the SDK reports); counted. */
  reject(sessionId: string, reason: string, type: string, detail: string): void;
  /** A message ignored without telling its sender (it was told once already); counted with `reason`. */
  drop(reason: string): void;
  /** True when the segment passes within `radius` (default the largest interest radius) of where the client looks from. */
  seesSegment(sessionId: string, x0: number, y0: number, x1: number, y1: number, radius?: number): boolean;
  /** Where a client without an own entity (a spectator) looks from. */
  setCamera(sessionId: string, x: number, y: number): void;
  readonly log: Logger;
}

/** A message a client may send, with the validator its payload must pass. */
export interface MessageHandler<W, S, P = unknown> {
  /** The payload is refused (an `invalid_payload` error to the sender) unless it passes. Omitted: any payload. */
  payload?: Validator<P>;
  handle(world: W, sender: string, payload: NoInfer<P>, ctx: GameContext<S>): void;
}

/**
 * Everything a game gives the engine. The engine owns the fixed tick, the inputs and their
 * acknowledgement, both channels, interest management, lag-compensation history,
 * reconnection, crash isolation, auth, limits and metrics; the game owns its state, its rules
 * and its world.
 *
 * @typeParam S its state (from `defineState`)
 * @typeParam I its input (from `defineInput`)
 * @typeParam W its world: whatever object the game keeps its simulation in
 * @typeParam O its validated join options
 * @typeParam M its messages' payloads, by type (inferred from the validators)
 */
export interface GameDefinition<
  S extends EngineState,
  I extends EngineInput,
  W,
  O = unknown,
  M extends Record<string, unknown> = Record<string, unknown>,
> {
  readonly state: new () => S;
  readonly input: new () => I;
  /**
   * Makes an untrusted input safe in place (NaN, out-of-range values) before anything reads it;
   * returns true when it changed something (counted in `tickwire_inputs_sanitized_total`).
   */
  sanitizeInput?(input: NoInfer<I>): boolean;
  /** Validates join options; a failure refuses the join with 400 and the issues. */
  readonly joinOptions?: Validator<O>;
  /** Seats per room (default MAX_PLAYERS_PER_ROOM). */
  readonly maxClients?: number;
  /**
   * The collection holding each client's own entity under its session id: the engine writes its
   * `inputAck()` field and centres the client's view on it. A client without one is a spectator.
   */
  readonly players?: CollectionKey<S>;
  /** Interest management: each listed collection must be a `.view()` map of the state. */
  readonly interest?: {
    /** World size (units), for the spatial grid. */
    readonly width: number;
    readonly height: number;
    readonly cellSize?: number;
    /** Flushes between two updates of an entity in the outer ring of a view (default 2). */
    readonly farInterval?: number;
    readonly collections: Partial<Record<CollectionKey<S>, CollectionInterest>>;
  };
  /** Lag compensation: the listed collections' positions (and fields) over the last `ms`. */
  readonly history?: {
    readonly ms: number;
    readonly collections: Partial<Record<CollectionKey<S>, CollectionHistory>>;
  };
  /** Builds the game's world around the room's new state. */
  create(ctx: GameContext<S>): W;
  /** A client joined: create its entities (its own under its session id in `players`). */
  join(world: W, player: PlayerInfo<O>, ctx: GameContext<S>): void;
  /** A client left for good (or its held seat expired): remove its entities. */
  leave(world: W, sessionId: string, ctx: GameContext<S>): void;
  /** A client's connection dropped (its seat held for reconnection), or came back. */
  connection?(world: W, sessionId: string, connected: boolean, ctx: GameContext<S>): void;
  /**
   * One fixed step. `inputs(id)` is the client's input for this tick, sanitized, or undefined
   * when none arrived; the engine acknowledges it to the client. The input is a record the
   * engine reuses: it stays as it is for this step and the next; copy what you keep longer.
   */
  step(world: W, inputs: (sessionId: string) => I | undefined, ctx: GameContext<S>): void;
  /**
   * Messages clients may send, by type; each handler's payload is typed by its validator. Any
   * other type is refused with an `unknown_message` error.
   */
  readonly messages?: { readonly [K in keyof M]: MessageHandler<W, S, M[K]> };
  /** The room is going away. */
  dispose?(world: W, ctx: GameContext<S>): void;
}

/** A game the server can serve (`createApp(config, { rooms: { name: game } })`). */
export interface Game<
  S extends EngineState = EngineState,
  I extends EngineInput = EngineInput,
  W = unknown,
  O = unknown,
> {
  readonly definition: GameDefinition<S, I, W, O>;
}

/**
 * Declares a game. The definition is checked at once (a missing collection or a state class
 * without the engine's fields fails here, not in the first room).
 *
 * @example
 * ```ts
 * export const dots = defineGame({
 *   state: DotsState,
 *   input: DotsInput,
 *   players: "dots",
 *   interest: { width: 2000, height: 2000, collections: { dots: { position: ["x", "y"], radius: 600 } } },
 *   create: (ctx) => new DotsWorld(ctx.state),
 *   join: (world, player) => world.addDot(player.sessionId, player.name),
 *   leave: (world, id) => world.removeDot(id),
 *   step: (world, inputs) => world.step(inputs),
 * });
 * ```
 */
export function defineGame<
  S extends EngineState,
  I extends EngineInput,
  W,
  O = unknown,
  M extends Record<string, unknown> = Record<string, unknown>,
>(definition: GameDefinition<S, I, W, O, M>): Game<S, I, W, O> {
  const probe = new definition.state() as unknown as Record<string, unknown>;
  if (typeof probe.tick !== "number" || typeof probe.tickRate !== "number") {
    throw new Error(`${definition.state.name}: build the state with defineState() (it has no tick/tickRate)`);
  }
  if (typeof (new definition.input() as unknown as Record<string, unknown>).seq !== "number") {
    throw new Error(`${definition.input.name}: build the input with defineInput() (it has no seq)`);
  }
  const collections = [
    ...(definition.players ? [definition.players] : []),
    ...Object.keys(definition.interest?.collections ?? {}),
    ...Object.keys(definition.history?.collections ?? {}),
  ];
  for (const name of collections) {
    const c = probe[name] as { forEach?: unknown } | undefined;
    if (typeof c?.forEach !== "function") throw new Error(`${definition.state.name} has no collection "${name}"`);
  }
  // A collection under interest management must be filtered by views, or every client gets all of it.
  const name = definition.state.name;
  const interest = definition.interest?.collections ?? {};
  for (const key of Object.keys(interest)) {
    if (!isViewField(definition.state, key)) {
      throw new Error(
        `${name}.${key} is under interest management but is not a .view() field: declare it as t.map(Entity).view()`,
      );
    }
  }
  // A client's view is centred on its own entity, which must therefore be placed like the rest.
  if (definition.interest && definition.players && !(definition.players in interest)) {
    throw new Error(
      `players collection "${definition.players}" must be listed in interest.collections: each client's view is centred on its own entity`,
    );
  }
  const named: Array<[string, readonly string[]]> = [
    ...Object.entries(interest).map(([k, c]) => [k, (c as CollectionInterest).position] as [string, readonly string[]]),
    ...Object.entries(definition.history?.collections ?? {}).map(([k, c]) => {
      const h = c as CollectionHistory;
      return [k, [...h.position, ...(h.fields ?? [])]] as [string, readonly string[]];
    }),
  ];
  for (const [key, fields] of named) {
    const entity = collectionEntityClass(definition.state, key);
    for (const field of fields) {
      if (entity && !schemaField(entity, field)) {
        throw new Error(`${name}.${key}: its entities have no field "${field}"`);
      }
    }
  }
  return { definition: definition as GameDefinition<S, I, W, O> };
}
