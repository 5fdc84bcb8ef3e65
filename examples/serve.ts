import path from "node:path";
import { fileURLToPath } from "node:url";
import { runServer } from "@tickwire/server";
import { arenaGame } from "@tickwire/example-arena/server";
import { tagGame } from "@tickwire/example-tag/server";

// `npm start`: the example games with their pages, on the embedded defaults (no Redis, no
// secrets; see the README's configuration table for what the environment can change).
const here = path.dirname(fileURLToPath(import.meta.url));

runServer((config) => ({
  rooms: {
    arena: arenaGame({
      worldSize: config.worldSize,
      maxPlayers: config.maxPlayersPerRoom,
      aoiRadius: config.aoiRadius,
      aoiHysteresis: config.aoiHysteresis,
      aoiFarInterval: config.aoiFarInterval,
      maxRewindMs: config.maxRewindMs,
      chatPerSecond: config.chatPerSecond,
      chatBurst: config.chatBurst,
      chatMuteSeconds: config.chatMuteSeconds,
    }),
    tag: tagGame({ maxPlayers: config.maxPlayersPerRoom }),
  },
  pages: { "/": path.join(here, "arena/page/build"), "/tag/": path.join(here, "tag/page/build") },
}));
