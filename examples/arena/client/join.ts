import type { TickwireClient } from "@tickwire/client-sdk";
import { ARENA_ROOM } from "../shared/index.ts";
// Type only: erased at build time, so the validators (and zod) stay out of client bundles.
import type { JoinOptions } from "../shared/validators.ts";
import { ArenaConnection } from "./connection.ts";
import { arenaGame } from "./game.ts";

/**
 * Joins an arena with a free seat, or creates one. Rejects with the server's reason on a bad name.
 *
 * @example
 * ```ts
 * const arena = await joinArena(new TickwireClient("ws://localhost:2567"), { name: "ada" });
 * ```
 */
export async function joinArena(client: TickwireClient, options: JoinOptions = {}): Promise<ArenaConnection> {
  return new ArenaConnection(await client.join(ARENA_ROOM, options, arenaGame));
}

/**
 * Creates a new arena and joins it (a private match, or a load test spreading rooms).
 *
 * @example
 * ```ts
 * const host = await createArena(client, { name: "host" });
 * ```
 */
export async function createArena(client: TickwireClient, options: JoinOptions = {}): Promise<ArenaConnection> {
  return new ArenaConnection(await client.create(ARENA_ROOM, options, arenaGame));
}

/**
 * Joins one arena by id (for friends joining the same match).
 *
 * @example
 * ```ts
 * const guest = await joinArenaById(client, host.roomId, { name: "guest" });
 * ```
 */
export async function joinArenaById(
  client: TickwireClient,
  roomId: string,
  options: JoinOptions = {},
): Promise<ArenaConnection> {
  return new ArenaConnection(await client.joinById(roomId, options, arenaGame));
}

/**
 * Takes a held seat back after a drop (once the SDK's own attempts gave up), keeping the same sessionId.
 *
 * @example
 * ```ts
 * const back = await reconnectArena(client, arena.reconnectionToken);
 * ```
 */
export async function reconnectArena(client: TickwireClient, reconnectionToken: string): Promise<ArenaConnection> {
  return new ArenaConnection(await client.reconnect(reconnectionToken, arenaGame));
}
