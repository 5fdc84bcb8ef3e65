import { Client } from "@colyseus/sdk";
import { ARENA_ROOM, ArenaState } from "@tickwire/shared/wire";
// Type only: erased at build time, so the validators stay out of client bundles.
import type { JoinOptions } from "@tickwire/shared";
import { ArenaConnection, type ArenaConnectionOptions } from "./connection.ts";

export interface TickwireClientOptions extends ArenaConnectionOptions {
  /**
   * Join token (an HS256 JWT from your login service) for a server with AUTH_SECRET: the
   * player's user id and name come from it. Sent as `Authorization: Bearer` on matchmaking.
   */
  token?: string;
}

/**
 * Entry point of the Tickwire client SDK; works in Node and in browsers.
 *
 * @example
 * ```ts
 * const client = new TickwireClient("ws://localhost:2567", { token });
 * const arena = await client.joinArena({ name: "ada" });
 * ```
 */
export class TickwireClient {
  readonly colyseus: Client;
  #opts: ArenaConnectionOptions;

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

  /** Joins an arena with a free seat, or creates one. Rejects with the server's reason on a bad name. */
  async joinArena(options: JoinOptions = {}): Promise<ArenaConnection> {
    const room = await this.colyseus.joinOrCreate(ARENA_ROOM, options, ArenaState);
    return new ArenaConnection(room, this.#opts);
  }

  /** Creates a new arena and joins it (a private match, or a load test spreading rooms). */
  async createArena(options: JoinOptions = {}): Promise<ArenaConnection> {
    const room = await this.colyseus.create(ARENA_ROOM, options, ArenaState);
    return new ArenaConnection(room, this.#opts);
  }

  /** Joins one arena by id (for friends joining the same match). */
  async joinArenaById(roomId: string, options: JoinOptions = {}): Promise<ArenaConnection> {
    const room = await this.colyseus.joinById(roomId, options, ArenaState);
    return new ArenaConnection(room, this.#opts);
  }

  /** Takes a held seat back after a drop, keeping the same sessionId. */
  async reconnect(reconnectionToken: string): Promise<ArenaConnection> {
    const room = await this.colyseus.reconnect(reconnectionToken, ArenaState);
    return new ArenaConnection(room, this.#opts);
  }
}
