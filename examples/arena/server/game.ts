import { defineGame, type GameContext } from "@tickwire/server";

import {
  ArenaErrorReasons,
  ArenaState,
  COMBAT,
  PlayerInput,
  SIM,
  ServerMessages,
  type ChatBroadcast,
  type ShotsBroadcast,
} from "../shared/index.ts";
import { ChatPayload, JoinOptions, sanitizeInput } from "../shared/validators.ts";
import { ChatGate } from "./chatGate.ts";
import { type Shot, World } from "./World.ts";

/** The arena's own settings (the server entry maps its environment onto them). */
export interface ArenaSettings {
  /** World side in units (default SIM.WORLD_WIDTH, at most SIM.MAX_WORLD_SIZE). */
  worldSize?: number;
  /** Seats per room (default the server's MAX_PLAYERS_PER_ROOM). */
  maxPlayers?: number;
  /** Area of interest: other players further than this are not in a client's state (default 1200). */
  aoiRadius?: number;
  /** A player enters a view within `aoiRadius - aoiHysteresis` (default 100). */
  aoiHysteresis?: number;
  /** Flushes between two updates of a player in the outer ring of a view (default 2). */
  aoiFarInterval?: number;
  /** Lag compensation: how far back a shot may be tested (default COMBAT.MAX_REWIND_MS). */
  maxRewindMs?: number;
  /** Chat lines per second per client, the burst allowed, and the mute for going over. */
  chatPerSecond?: number;
  chatBurst?: number;
  chatMuteSeconds?: number;
  /** Seed of spawn points and pickups (default 1). */
  seed?: number;
}

/** One arena room: the simulation and the chat limit. */
export interface Arena {
  world: World;
  chat: ChatGate;
}

/**
 * The arena shooter as a Tickwire game: players move, aim and fire a hitscan weapon tested
 * against what the shooter saw (lag compensation), pick up health, and chat. Each client holds
 * the players near it (interest management).
 */
export function arenaGame(settings: ArenaSettings = {}) {
  const size = Math.min(settings.worldSize ?? SIM.WORLD_WIDTH, SIM.MAX_WORLD_SIZE);
  const radius = settings.aoiRadius ?? 1200;
  const hysteresis = Math.min(settings.aoiHysteresis ?? 100, radius);
  const chatPerSecond = settings.chatPerSecond ?? 2;

  return defineGame({
    state: ArenaState,
    input: PlayerInput,
    sanitizeInput,
    joinOptions: JoinOptions,
    ...(settings.maxPlayers !== undefined && { maxClients: settings.maxPlayers }),
    players: "players",
    interest: {
      width: size,
      height: size,
      // About half the radius: a view query visits 5 x 5 cells.
      cellSize: Math.max(50, radius / 2),
      farInterval: settings.aoiFarInterval ?? 2,
      collections: { players: { position: ["x", "y"], radius, hysteresis } },
    },
    history: {
      ms: settings.maxRewindMs ?? COMBAT.MAX_REWIND_MS,
      collections: { players: { position: ["x", "y"], fields: ["alive"] } },
    },

    create(ctx): Arena {
      ctx.state.viewRadius = radius;
      const world = new World(ctx.state, {
        dt: ctx.dt,
        seed: settings.seed ?? 1,
        width: size,
        height: size,
        // A player enters a view within the radius less the hysteresis: first sight aims inside that.
        viewRadius: radius - hysteresis,
        ...(ctx.history && { history: ctx.history }),
        rewindTarget: (viewTick) => ctx.rewindTarget(viewTick),
      });
      const chat = new ChatGate({
        perSecond: chatPerSecond,
        burst: settings.chatBurst ?? 5,
        muteMs: (settings.chatMuteSeconds ?? 10) * 1000,
      });
      return { world, chat };
    },
    join: ({ world }, player) => void world.addPlayer(player.sessionId, player.name, player.userId),
    leave: ({ world, chat }, id) => {
      world.removePlayer(id);
      chat.forget(id);
    },
    connection: ({ world }, id, connected) => world.setConnected(id, connected),
    step({ world }, inputs, ctx) {
      const { shots } = world.step(inputs);
      if (shots.length > 0) sendShots(ctx, shots, radius);
    },
    messages: {
      chat: {
        payload: ChatPayload,
        handle({ world, chat }, sender, text: string, ctx) {
          const from = world.state.players.get(sender);
          if (!from) return;
          const verdict = chat.check(sender, Date.now());
          if (!verdict.ok) {
            if (verdict.reason === "chat_muted") return ctx.drop("chat_muted");
            const seconds = Math.ceil((verdict.until - Date.now()) / 1000);
            return ctx.reject(
              sender,
              ArenaErrorReasons.CHAT_FLOOD,
              "chat",
              `more than ${chatPerSecond} lines a second: muted for ${seconds} s`,
            );
          }
          const line: ChatBroadcast = { from: sender, name: from.name, text };
          ctx.broadcast(ServerMessages.CHAT, line);
        },
      },
    },
  });
}

/** Each client gets the shots that pass through its area of interest, or that it fired or took. */
function sendShots(ctx: GameContext<ArenaState>, shots: readonly Shot[], radius: number): void {
  // The state that shows the shot's effects is the one after this step.
  const tick = ctx.tick + 1;
  for (const id of ctx.clients) {
    const seen = shots.filter(
      (s) =>
        s.shooter === id ||
        s.hit === id ||
        ctx.seesSegment(id, s.x, s.y, s.x + Math.cos(s.aim) * s.length, s.y + Math.sin(s.aim) * s.length, radius),
    );
    if (seen.length === 0) continue;
    const msg: ShotsBroadcast = { tick, shots: seen.map(({ testedAt: _t, ...shot }) => shot) };
    ctx.send(id, ServerMessages.SHOTS, msg);
  }
}
