import { defineGame } from "@tickwire/server";
import { z } from "zod";
import { sanitizeStick, TAG, TagInput, TagState } from "../shared/index.ts";
import { TagWorld } from "./world.ts";

/** Join options: a display name, and `spectate: true` to watch without a runner. */
export const TagJoinOptions = z.object({
  name: z
    .string()
    .trim()
    .min(1, "name is empty")
    .max(16, "name is longer than 16 characters")
    .regex(/^[\p{L}\p{N} _-]+$/u, "name may contain only letters, digits, spaces, _ and -")
    .optional(),
  spectate: z.boolean().optional(),
});
export type TagJoinOptions = z.infer<typeof TagJoinOptions>;

export interface TagSettings {
  /** Balls on the field (default TAG.BALL_COUNT). */
  balls?: number;
  /** Seed of spawn points and balls (default 1). */
  seed?: number;
  /** Seats per room, spectators included (default the server's MAX_PLAYERS_PER_ROOM). */
  maxPlayers?: number;
}

/**
 * Tag as a Tickwire game: runners (one per player) and balls are both under interest
 * management, each with its own view distance; spectators join with `{ spectate: true }`.
 */
export function tagGame(settings: TagSettings = {}) {
  return defineGame({
    state: TagState,
    input: TagInput,
    sanitizeInput: sanitizeStick,
    joinOptions: TagJoinOptions,
    ...(settings.maxPlayers !== undefined && { maxClients: settings.maxPlayers }),
    players: "runners",
    interest: {
      width: TAG.WORLD_SIZE,
      height: TAG.WORLD_SIZE,
      collections: {
        runners: { position: ["x", "y"], radius: TAG.RUNNER_VIEW, hysteresis: 50 },
        balls: { position: ["x", "y"], radius: TAG.BALL_VIEW, hysteresis: 50 },
      },
    },
    create: (ctx) =>
      new TagWorld(ctx.state, {
        dt: ctx.dt,
        seed: settings.seed ?? 1,
        ...(settings.balls !== undefined && { balls: settings.balls }),
        setCamera: (id, x, y) => ctx.setCamera(id, x, y),
      }),
    join(world, player) {
      if (player.options.spectate) world.addSpectator(player.sessionId);
      else world.addRunner(player.sessionId, player.name);
    },
    leave: (world, id) => world.remove(id),
    connection: (world, id, connected) => world.setConnected(id, connected),
    step: (world, inputs) => world.step(inputs),
  });
}
