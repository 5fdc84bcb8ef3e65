import { Client, type Room } from "@colyseus/sdk";
import type { EngineInput, EngineState } from "@tickwire/shared";
import { Connection, type ConnectionOptions } from "./connection.ts";
import type { ClientGame, CollectionKey, EntityOf, NumericKey } from "./game.ts";
import { layoutOf } from "./layout.ts";

/** The connection a join gives for a game (its state, input, predicted collection and fields). */
type GameConnection<
  S extends EngineState,
  I extends EngineInput,
  K extends CollectionKey<S>,
  F extends NumericKey<EntityOf<S, K>>,
> = Connection<S, I, ClientGame<S, I, K, F>>;

export interface TickwireClientOptions extends ConnectionOptions {
  /**
   * Join token (an HS256 JWT from your login service) for a server with AUTH_SECRET: the
   * user id and name come from it. Sent as `Authorization: Bearer` on matchmaking.
   */
  token?: string;
}

/**
 * Entry point of the Tickwire client SDK, for any game; works in Node and in browsers. Each
 * join takes the game's description (`defineClientGame`) and resolves with a `Connection`.
 *
 * @example
 * ```ts
 * const client = new TickwireClient("ws://localhost:2567", { token });
 * const dots = await client.join("dots", { name: "ada" }, dotsGame);
 * ```
 */
export class TickwireClient {
  /** The Colyseus SDK client underneath. */
  readonly colyseus: Client;
  #opts: ConnectionOptions;

  /** @param endpoint `ws://host:port` or `wss://host:port` of a Tickwire server. */
  constructor(endpoint: string, opts: TickwireClientOptions = {}) {
    this.colyseus = new Client(endpoint);
    const { token, ...rest } = opts;
    if (token) this.colyseus.auth.token = token;
    this.#opts = rest;
  }

  /** Replaces the join token (a refreshed one); applies to the next join. */
  setToken(token: string | undefined): void {
    this.colyseus.auth.token = token as string;
  }

  /** Joins a room of `roomName` with a free seat, or creates one. Rejects with the server's reason on refusal. */
  async join<
    S extends EngineState,
    I extends EngineInput,
    K extends CollectionKey<S>,
    F extends NumericKey<EntityOf<S, K>>,
  >(roomName: string, options: object | undefined, game: ClientGame<S, I, K, F>): Promise<GameConnection<S, I, K, F>> {
    return this.#open<S, I, K, F>(game, () => this.colyseus.joinOrCreate(roomName, options ?? {}, game.state));
  }

  /** Creates a new room of `roomName` and joins it (a private match, or a load test spreading rooms). */
  async create<
    S extends EngineState,
    I extends EngineInput,
    K extends CollectionKey<S>,
    F extends NumericKey<EntityOf<S, K>>,
  >(roomName: string, options: object | undefined, game: ClientGame<S, I, K, F>): Promise<GameConnection<S, I, K, F>> {
    return this.#open<S, I, K, F>(game, () => this.colyseus.create(roomName, options ?? {}, game.state));
  }

  /** Joins one room by id (for friends joining the same match). */
  async joinById<
    S extends EngineState,
    I extends EngineInput,
    K extends CollectionKey<S>,
    F extends NumericKey<EntityOf<S, K>>,
  >(roomId: string, options: object | undefined, game: ClientGame<S, I, K, F>): Promise<GameConnection<S, I, K, F>> {
    return this.#open<S, I, K, F>(game, () => this.colyseus.joinById(roomId, options ?? {}, game.state));
  }

  /** Takes a held seat back after a drop (after the SDK's own attempts gave up), keeping the same sessionId. */
  async reconnect<
    S extends EngineState,
    I extends EngineInput,
    K extends CollectionKey<S>,
    F extends NumericKey<EntityOf<S, K>>,
  >(reconnectionToken: string, game: ClientGame<S, I, K, F>): Promise<GameConnection<S, I, K, F>> {
    return this.#open<S, I, K, F>(game, () => this.colyseus.reconnect(reconnectionToken, game.state));
  }

  // The game is checked against its schema before anything goes over the network.
  async #open<
    S extends EngineState,
    I extends EngineInput,
    K extends CollectionKey<S>,
    F extends NumericKey<EntityOf<S, K>>,
  >(
    game: ClientGame<S, I, K, F>,
    // biome-ignore lint/suspicious/noExplicitAny: Colyseus' Room takes a server room class first; a client has none
    enter: () => Promise<Room<any, S>>,
  ): Promise<GameConnection<S, I, K, F>> {
    layoutOf(game);
    return new Connection(await enter(), game, this.#opts);
  }
}
