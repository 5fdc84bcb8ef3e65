import { Room, ServerError, type Client, type AuthContext, type SchemaSerializer } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import {
  ArenaState, PlayerInput, JoinOptions, ChatPayload, ClientMessages, ServerMessages, ErrorReasons, NET,
  sanitizeInput, type ChatBroadcast, type ErrorNotice, type ShotsBroadcast,
} from "@tickwire/shared";
import type { Config } from "../config.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Logger } from "../observability/log.ts";
import { World, type Shot } from "../world/World.ts";
import { InterestManager } from "../interest/interest.ts";
import { UnreliableFlusher } from "../transport/unreliable/serializer.ts";
import { channelOf } from "../transport/unreliable/channel.ts";
import { TickTimer } from "./tickTimer.ts";
import { ChatGate } from "./chatGate.ts";

export interface ArenaDeps {
  config: Config;
  metrics: Metrics;
  log: Logger;
  /** Sends what `fn` sends together, each client's frames in one write (see GameTransport). */
  batch(fn: () => void): void;
}

interface ArenaAuth {
  name: string;
}

/** HTTP status carried by a refused join (matchmaking answers with it). */
const BAD_REQUEST = 400;

let anonymousCounter = 0;

/**
 * Builds the `arena` room class around its dependencies. The room is a thin adapter:
 * lifecycle hooks and messages turn into calls on a socket-free World; only the fixed tick
 * mutates the game state.
 */
export function createArenaRoom(deps: ArenaDeps) {
  const { config, metrics, log, batch } = deps;

  return class ArenaRoom extends Room<{ state: ArenaState; input: PlayerInput }> {
    override maxClients = config.maxPlayersPerRoom;
    override patchRate = 1000 / config.patchHz;
    override maxMessagesPerSecond = config.maxMessagesPerSecond;

    world = new World({
      dt: 1 / config.tickHz, width: config.worldSize, height: config.worldSize, maxRewindMs: config.maxRewindMs,
      // About half the radius: a view query visits 5 x 5 cells.
      cellSize: Math.max(50, config.aoiRadius / 2),
    });
    override state = this.world.state;
    /** Who sees whom; each client's StateView follows it (see InterestManager). */
    interest = new InterestManager(this.world, { radius: config.aoiRadius, hysteresis: config.aoiHysteresis, farInterval: config.aoiFarInterval });

    // Bounded per-client ring; the oldest input is dropped on overflow. Every decoded frame
    // is sanitized in place before anything reads it.
    override inputs = this.defineInput(PlayerInput, {
      seqField: "seq",
      bufferMaxSize: NET.INPUT_BUFFER_SIZE,
      sanitize: (input) => {
        if (sanitizeInput(input)) metrics.inputsSanitized.inc();
      },
    });

    override messages = {
      [ClientMessages.CHAT]: (client: Client, payload: unknown) => {
        const text = ChatPayload.safeParse(payload);
        if (!text.success) return this.#reject(client, ErrorReasons.INVALID_PAYLOAD, ClientMessages.CHAT, text.error.issues[0]?.message ?? "invalid");
        const from = this.state.players.get(client.sessionId);
        if (!from) return;
        const verdict = this.#chatGate.check(client.sessionId, Date.now());
        if (!verdict.ok) {
          if (verdict.reason === "chat_muted") return void metrics.messagesRejected.inc({ reason: "chat_muted" });
          const seconds = Math.ceil((verdict.until - Date.now()) / 1000);
          return this.#reject(client, ErrorReasons.CHAT_FLOOD, ClientMessages.CHAT, `more than ${config.chatPerSecond} lines a second: muted for ${seconds} s`);
        }
        const line: ChatBroadcast = { from: client.sessionId, name: from.name, text: text.data };
        this.broadcast(ServerMessages.CHAT, line);
      },
      "*": (client: Client, type: string | number) => {
        this.#reject(client, ErrorReasons.UNKNOWN_MESSAGE, String(type), `the arena has no "${String(type)}" message`);
      },
    };

    /** Runs during the matchmaking request: a bad name is refused before a seat is reserved. */
    static override async onAuth(_token: string, options: unknown, _ctx: AuthContext): Promise<ArenaAuth> {
      const parsed = JoinOptions.safeParse(options ?? {});
      if (!parsed.success) {
        throw new ServerError(BAD_REQUEST, `invalid join options: ${parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ")}`);
      }
      return { name: parsed.data.name ?? `player-${++anonymousCounter}` };
    }

    /** Fast fields go out from the tick, on the unreliable channel (see UnreliableFlusher). */
    #flusher: UnreliableFlusher | undefined;
    #chatGate = new ChatGate({ perSecond: config.chatPerSecond, burst: config.chatBurst, muteMs: config.chatMuteSeconds * 1000 });
    #flushQueued = false;
    #stepsSinceFlush = 0;
    /** Reliable patches owed, in patches: grows by PATCH_HZ / TICK_HZ per step. */
    #patchCredit = 0;
    #patching = false;

    // Colyseus would flush unreliable fields after each reliable patch; the tick does it here.
    override broadcastUnreliablePatch(): boolean {
      return false;
    }

    // Colyseus' own patch timer is ignored: the tick sends the reliable patch (at PATCH_HZ on
    // average) in the same flush as the unreliable frame, so that each client gets both in one
    // write, the reliable part (a spawn's ADD) first.
    override broadcastPatch(): boolean {
      return this.#patching ? super.broadcastPatch() : false;
    }

    override onCreate(): void {
      this.state.viewRadius = config.aoiRadius;
      this.state.tickRate = config.tickHz;
      this.#flusher = new UnreliableFlusher(
        this["_serializer"] as SchemaSerializer<ArenaState>,
        (client) => this.interest.interestOf(client.sessionId),
        this.interest.farInterval,
      );
      const timer = new TickTimer(1000 / config.tickHz, metrics);
      this.setFixedTimestep(() => {
        timer.begin();
        const { shots } = this.world.step((id) => this.inputs.get(id).next());
        timer.end();
        if (shots.length > 0) this.#sendShots(shots);
        this.#stepsSinceFlush++;
        this.#queueFlush();
      }, config.tickHz);
      log.info("room created", { roomId: this.roomId });
    }

    // Steps that catch up after a late timer run back to back; one flush after them is enough.
    #queueFlush(): void {
      if (this.#flushQueued) return;
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.#patchCredit = Math.min(this.#patchCredit + (this.#stepsSinceFlush * config.patchHz) / config.tickHz, 2);
        this.#stepsSinceFlush = 0;
        const started = performance.now();
        batch(() => {
          if (this.#patchCredit >= 1) {
            this.#patchCredit -= 1;
            // Views change only with a reliable patch, which carries the entering players.
            const seen = this.interest.update();
            if (seen.entered > 0) metrics.interestChanges.inc({ kind: "enter" }, seen.entered);
            if (seen.left > 0) metrics.interestChanges.inc({ kind: "leave" }, seen.left);
            this.#patching = true;
            try {
              this.broadcastPatch();
            } finally {
              this.#patching = false;
            }
          }
          this.#flusher?.flush(this.clients, performance.now());
        });
        metrics.flushDuration.observe((performance.now() - started) / 1000);
      });
    }

    /** Each client gets the shots that pass through its area of interest, or that it fired. */
    #sendShots(shots: readonly Shot[]): void {
      const tick = this.world.tick;
      for (const client of this.clients) {
        const id = client.sessionId;
        const seen = shots.filter((s) => s.shooter === id || s.hit === id || this.interest.seesSegment(
          id, s.x, s.y, s.x + Math.cos(s.aim) * s.length, s.y + Math.sin(s.aim) * s.length,
        ));
        if (seen.length === 0) continue;
        const msg: ShotsBroadcast = { tick, shots: seen.map(({ testedAt: _t, ...shot }) => shot) };
        client.send(ServerMessages.SHOTS, msg);
      }
    }

    /** The monitor's room view (`/monitor/api/room`): Colyseus' data plus each client's channel and the players it holds. */
    async getInspectData(): Promise<Record<string, unknown>> {
      const base = await (Room.prototype as unknown as { getInspectData(this: Room): Promise<Record<string, unknown>> }).getInspectData.call(this);
      const now = performance.now();
      const channels = this.clients.map((c) => ({ sessionId: c.sessionId, playersHeld: this.interest.heldBy(c.sessionId), ...channelOf(c)?.stats(now) }));
      const sum = (k: "framesSent" | "framesDropped" | "keyframesSent") => channels.reduce((n, c) => n + (c[k] ?? 0), 0);
      return {
        ...base,
        unreliable: {
          framesSent: sum("framesSent"),
          framesDropped: sum("framesDropped"),
          keyframesSent: sum("keyframesSent"),
          clientsBacklogged: channels.filter((c) => (c.backlogBytes ?? 0) > 0).length,
          backlogBytes: channels.reduce((n, c) => n + (c.backlogBytes ?? 0), 0),
          /** Clients that missed frames and are waiting for a keyframe. */
          clientsBehind: channels.filter((c) => c.needsKeyframe).length,
          clients: channels,
        },
      };
    }

    override onJoin(client: Client, _options: unknown, auth: ArenaAuth): void {
      this.world.addPlayer(client.sessionId, auth.name);
      client.view = new StateView();
      this.interest.addViewer(client.sessionId, client.view);
    }

    override onDrop(client: Client): void {
      this.world.setConnected(client.sessionId, false);
      if (config.reconnectWindowSeconds > 0) {
        this.allowReconnection(client, config.reconnectWindowSeconds);
      }
    }

    override onReconnect(client: Client): void {
      this.world.setConnected(client.sessionId, true);
    }

    override onLeave(client: Client): void {
      this.world.removePlayer(client.sessionId);
      this.interest.removeViewer(client.sessionId);
      this.#chatGate.forget(client.sessionId);
    }

    override onDispose(): void {
      log.info("room disposed", { roomId: this.roomId, ticks: this.world.tick });
    }

    #reject(client: Client, reason: ErrorNotice["reason"], type: string, detail: string): void {
      metrics.messagesRejected.inc({ reason });
      const notice: ErrorNotice = { reason, type, detail };
      client.send(ServerMessages.ERROR, notice);
    }
  };
}
