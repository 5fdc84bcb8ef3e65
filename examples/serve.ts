import path from "node:path";
import { fileURLToPath } from "node:url";
import { env, loadSettings, runServer } from "@tickwire/server";
import { arenaGame } from "@tickwire/example-arena/server";
import { tagGame } from "@tickwire/example-tag/server";

// `npm start`: the example games with their pages, on the embedded defaults (no Redis, no
// secrets; the README's configuration table lists what the environment can change).
const here = path.dirname(fileURLToPath(import.meta.url));

runServer((config) => {
  // The arena's own settings; a bad value stops the process with exit code 2, as the server's do.
  const arena = loadSettings({
    /** Side of the square world in units (positions are quantized over [0, 8192]). */
    WORLD_SIZE: env.int(500, 8192).default(4000),
    /** Lag compensation limit: shots are tested at most this far in the past. */
    MAX_REWIND_MS: env.int(0, 1000).default(200),
    /** Interest management: a player further than this (units) from a client is not in its state. */
    AOI_RADIUS: env.int(100, 16_384).default(1200),
    /** A player enters a view at AOI_RADIUS minus this, and leaves it beyond AOI_RADIUS. */
    AOI_HYSTERESIS: env.int(0, 1000).default(100),
    /** Players in the outer half of a view get their fast fields every this many ticks (1: every tick). */
    AOI_FAR_INTERVAL: env.int(1, 10).default(2),
    /** Chat lines per second per client (sustained), the burst allowed, and the mute for going over. */
    CHAT_MESSAGES_PER_SECOND: env.int(1, 100_000).default(2),
    CHAT_BURST: env.int(1, 100_000).default(5),
    CHAT_MUTE_SECONDS: env.int(0, 3600).default(10),
  });
  return {
    rooms: {
      arena: arenaGame({
        worldSize: arena.WORLD_SIZE,
        maxPlayers: config.maxPlayersPerRoom,
        aoiRadius: arena.AOI_RADIUS,
        aoiHysteresis: Math.min(arena.AOI_HYSTERESIS, arena.AOI_RADIUS),
        aoiFarInterval: arena.AOI_FAR_INTERVAL,
        maxRewindMs: arena.MAX_REWIND_MS,
        chatPerSecond: arena.CHAT_MESSAGES_PER_SECOND,
        chatBurst: arena.CHAT_BURST,
        chatMuteSeconds: arena.CHAT_MUTE_SECONDS,
      }),
      tag: tagGame({ maxPlayers: config.maxPlayersPerRoom }),
    },
    pages: { "/": path.join(here, "arena/page/build"), "/tag/": path.join(here, "tag/page/build") },
  };
});
