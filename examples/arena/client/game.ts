import { defineClientGame } from "@tickwire/client-sdk";
import { ArenaState, PlayerInput, SIM, sanitizeInput, stepBody, type Bounds } from "../shared/index.ts";

// The arena as the client SDK sees it: its own player predicted with the very step the server
// runs, the others interpolated (the aim the short way round).

/** The walls the prediction steps against: the state's world size, read at every step. */
const bounds: Bounds = { width: SIM.WORLD_WIDTH, height: SIM.WORLD_HEIGHT };

/**
 * The arena's description for `TickwireClient.join` (the `joinArena` helpers pass it).
 *
 * @example
 * ```ts
 * const conn = await new TickwireClient("ws://localhost:2567").join(ARENA_ROOM, { name: "ada" }, arenaGame);
 * for (const p of conn.entities("players")) draw(p.x, p.y, p.aim);
 * ```
 */
export const arenaGame = defineClientGame({
  state: ArenaState,
  input: PlayerInput,
  // The server's own sanitizer: the predicted input is the one the server steps with.
  sanitizeInput,
  predict: {
    collection: "players",
    fields: ["x", "y", "vx", "vy", "aim"],
    position: ["x", "y"],
    step(body, input, dt, state) {
      bounds.width = state.width || SIM.WORLD_WIDTH;
      bounds.height = state.height || SIM.WORLD_HEIGHT;
      stepBody(body, input, dt, bounds);
    },
    // A dead player does not move; its inputs are consumed without effect.
    active: (player) => player.alive,
  },
  interpolate: {
    players: { position: ["x", "y"], velocity: ["vx", "vy"], angles: ["aim"] },
  },
});

/** The arena's game description type. */
export type ArenaGame = typeof arenaGame;
