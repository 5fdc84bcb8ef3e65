import { Room, ServerError, type Client, type AuthContext, type SchemaSerializer } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import {
  type ArenaState,
  PlayerInput,
  JoinOptions,
  ChatPayload,
  ClientMessages,
  ServerMessages,
  ErrorReasons,
  NET,
  CloseCodes,
  sanitizeInput,
  type ChatBroadcast,
  type ErrorNotice,
  type ShotsBroadcast,
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
import { SERVICE_UNAVAILABLE, type ProcessLoad } from "./admission.ts";
import { TokenError, verifyToken } from "../auth/tokens.ts";

export interface ArenaDeps {
  config: Config;
  metrics: Metrics;
  log: Logger;
  /** Sends what `fn` sends together, each client's frames in one write (see GameTransport). */
  batch(fn: () => void): void;
  /** This process's rooms and seats against MAX_ROOMS and MAX_CLIENTS. */
  load: ProcessLoad;
}

interface ArenaAuth {
  name: string;
  /** From the verified token; undefined for anonymous players. */
  userId: string | undefined;
}

/** HTTP statuses carried by a refused join (matchmaking answers with them). */
const BAD_REQUEST = 400;
const UNAUTHORIZED = 401;

/** Close codes the server closes a client with for breaking a rule: no reconnection window follows. */
const KICK_CODES: ReadonlySet<number> = new Set([
  CloseCodes.PROTOCOL_VIOLATION,
  CloseCodes.RATE_LIMITED,
  CloseCodes.MESSAGE_TOO_BIG,
]);

/** The message a FAULT_INJECTION server accepts to make a room throw (crash isolation tests). */
export const FAULT_MESSAGE = "__fault";

let anonymousCounter = 0;

/**
 * Builds the `arena` room class around its dependencies. The room is a thin adapter:
 * lifecycle hooks and messages turn into calls on a socket-free World; only the fixed tick
 * mutates the game state.
 */
export function createArenaRoom(deps: ArenaDeps) {
  const { config, metrics, log, batch, load } = deps;

  return class ArenaRoom extends Room<{ state: ArenaState; input: PlayerInput }> {
    override maxClients = config.maxPlayersPerRoom;
    override patchRate = 1000 / config.patchHz;
    // The transport enforces MAX_MESSAGES_PER_SECOND (a token bucket, close code 4101) before a
    // frame gets here; Colyseus' own per-second counter is left as a backstop at twice that.
    override maxMessagesPerSecond = config.maxMessagesPerSecond * 2;

    world = new World({
      dt: 1 / config.tickHz,
      width: config.worldSize,
      height: config.worldSize,
      maxRewindMs: config.maxRewindMs,
      // About half the radius: a view query visits 5 x 5 cells.
      cellSize: Math.max(50, config.aoiRadius / 2),
      // A player enters a view within the radius less the hysteresis: first sight aims inside that.
      viewRadius: config.aoiRadius - config.aoiHysteresis,
    });
    override state = this.world.state;
    /** Who sees whom; each client's StateView follows it (see InterestManager). */
    interest = new InterestManager(this.world, {
      radius: config.aoiRadius,
      hysteresis: config.aoiHysteresis,
      farInterval: config.aoiFarInterval,
    });

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
        if (!text.success)
          return this.#reject(
            client,
            ErrorReasons.INVALID_PAYLOAD,
            ClientMessages.CHAT,
            text.error.issues[0]?.message ?? "invalid",
          );
        const from = this.state.players.get(client.sessionId);
        if (!from) return;
        const verdict = this.#chatGate.check(client.sessionId, Date.now());
        if (!verdict.ok) {
          if (verdict.reason === "chat_muted") return void metrics.messagesRejected.inc({ reason: "chat_muted" });
          const seconds = Math.ceil((verdict.until - Date.now()) / 1000);
          return this.#reject(
            client,
            ErrorReasons.CHAT_FLOOD,
            ClientMessages.CHAT,
            `more than ${config.chatPerSecond} lines a second: muted for ${seconds} s`,
          );
        }
        const line: ChatBroadcast = { from: client.sessionId, name: from.name, text: text.data };
        this.broadcast(ServerMessages.CHAT, line);
      },
      ...(config.faultInjection
        ? { [FAULT_MESSAGE]: (_client: Client, where: unknown) => this.#injectFault(where) }
        : {}),
      "*": (client: Client, type: string | number) => {
        this.#reject(client, ErrorReasons.UNKNOWN_MESSAGE, String(type), `the arena has no "${String(type)}" message`);
      },
    };

    /**
     * Runs during the matchmaking request, before a seat is reserved: a bad token or a bad name
     * is refused here. With AUTH_SECRET the user id and name come from the verified token only;
     * join options cannot change them.
     */
    static override async onAuth(token: string | undefined, options: unknown, _ctx: AuthContext): Promise<ArenaAuth> {
      const parsed = JoinOptions.safeParse(options ?? {});
      if (!parsed.success) {
        throw new ServerError(
          BAD_REQUEST,
          `invalid join options: ${parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ")}`,
        );
      }
      // One process without peers: say "full" here rather than "room is already full" later.
      if (!config.redisUrl && load.seatsFull()) {
        throw new ServerError(SERVICE_UNAVAILABLE, `server full: ${config.maxClients} clients (MAX_CLIENTS)`);
      }
      if (!config.auth) return { name: parsed.data.name ?? `player-${++anonymousCounter}`, userId: undefined };
      try {
        const identity = await verifyToken(token, config.auth);
        return { name: identity.name, userId: identity.userId };
      } catch (err) {
        if (!(err instanceof TokenError)) throw err;
        metrics.authRejected.inc({ reason: err.reason });
        throw new ServerError(UNAUTHORIZED, err.message);
      }
    }

    // Seats count against this room's maxClients and against the process's MAX_CLIENTS.
    override hasReachedMaxClients(): boolean {
      return super.hasReachedMaxClients() || load.seatsFull();
    }

    /** Fast fields go out from the tick, on the unreliable channel (see UnreliableFlusher). */
    #flusher: UnreliableFlusher | undefined;
    #chatGate = new ChatGate({
      perSecond: config.chatPerSecond,
      burst: config.chatBurst,
      muteMs: config.chatMuteSeconds * 1000,
    });
    #flushQueued = false;
    #stepsSinceFlush = 0;
    /** Reliable patches owed, in patches: grows by PATCH_HZ / TICK_HZ per step. */
    #patchCredit = 0;
    #patching = false;
    /** Set once an exception escaped the room's code: the room stops and is disposed. */
    #crashed = false;
    #faultAtNextStep = false;
    #faultStallShutdown = false;

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
      load.admitRoom(this);
      this.state.viewRadius = config.aoiRadius;
      this.state.tickRate = config.tickHz;
      this.#flusher = new UnreliableFlusher(
        // biome-ignore lint/complexity/useLiteralKeys: Colyseus keeps its serializer private; the bracket reaches it
        this["_serializer"] as SchemaSerializer<ArenaState>,
        (client) => this.interest.interestOf(client.sessionId),
        this.interest.farInterval,
      );
      const timer = new TickTimer(1000 / config.tickHz, metrics);
      this.setFixedTimestep(() => {
        if (this.#crashed) return;
        if (this.#faultAtNextStep) throw new Error("fault injected in the tick (FAULT_INJECTION)");
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
        if (this.#crashed) return;
        try {
          this.#flush();
        } catch (err) {
          this.onUncaughtException(err as Error, "flush");
        }
      });
    }

    #flush(): void {
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
    }

    /** Each client gets the shots that pass through its area of interest, or that it fired. */
    #sendShots(shots: readonly Shot[]): void {
      const tick = this.world.tick;
      for (const client of this.clients) {
        const id = client.sessionId;
        const seen = shots.filter(
          (s) =>
            s.shooter === id ||
            s.hit === id ||
            this.interest.seesSegment(id, s.x, s.y, s.x + Math.cos(s.aim) * s.length, s.y + Math.sin(s.aim) * s.length),
        );
        if (seen.length === 0) continue;
        const msg: ShotsBroadcast = { tick, shots: seen.map(({ testedAt: _t, ...shot }) => shot) };
        client.send(ServerMessages.SHOTS, msg);
      }
    }

    /** The monitor's room view (`/monitor/api/room`): Colyseus' data plus each client's channel and the players it holds. */
    async getInspectData(): Promise<Record<string, unknown>> {
      const base = await (
        Room.prototype as unknown as { getInspectData(this: Room): Promise<Record<string, unknown>> }
      ).getInspectData.call(this);
      const now = performance.now();
      const channels = this.clients.map((c) => ({
        sessionId: c.sessionId,
        playersHeld: this.interest.heldBy(c.sessionId),
        ...channelOf(c)?.stats(now),
      }));
      const sum = (k: "framesSent" | "framesDropped" | "keyframesSent") =>
        channels.reduce((n, c) => n + (c[k] ?? 0), 0);
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
      this.world.addPlayer(client.sessionId, auth.name, auth.userId ?? `anon:${client.sessionId}`);
      client.view = new StateView();
      this.interest.addViewer(client.sessionId, client.view);
    }

    override onDrop(client: Client, code?: number): void {
      this.world.setConnected(client.sessionId, false);
      // A client the server closed for breaking a rule gets no seat held: otherwise each
      // misbehaving join would keep a seat for the whole window, and a few could fill a room.
      if (code !== undefined && KICK_CODES.has(code)) return;
      if (config.reconnectWindowSeconds > 0) {
        // The promise rejects when the window ends unused: the normal end of a drop, after which
        // Colyseus calls onLeave. Left unhandled, every expired window was an unhandled rejection.
        this.allowReconnection(client, config.reconnectWindowSeconds).catch(() => {});
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
      load.forget(this);
      log.info("room disposed", { roomId: this.roomId, ticks: this.world.tick });
    }

    /**
     * Any exception out of this room's tick, flush, message handlers or hooks ends up here
     * (Colyseus wraps them once this method exists). The room's state can no longer be trusted,
     * so the room stops ticking and is disposed: its clients are closed with ROOM_CRASHED. Other
     * rooms of the process are untouched.
     */
    override onUncaughtException(error: Error, method: string): void {
      const cause = (error as { cause?: unknown }).cause ?? error;
      // A refusal on purpose (a full process, a bad join) is not a crash: Colyseus passes it on.
      if (cause instanceof ServerError) return;
      if (method === "onCreate") {
        metrics.roomCrashes.inc({ method });
        log.error("room failed to start", { method, err: cause });
        return;
      }
      if (this.#crashed) return;
      this.#crashed = true;
      metrics.roomCrashes.inc({ method });
      log.error("room crashed: disposing it", { roomId: this.roomId, method, tick: this.world.tick, err: cause });
      this.lock().catch(() => {});
      queueMicrotask(() => {
        this.disconnect(CloseCodes.ROOM_CRASHED).catch((err) =>
          log.error("crashed room did not dispose", { roomId: this.roomId, err }),
        );
      });
    }

    /** On shutdown every client is told SERVER_SHUTDOWN and the room disposes once they are gone. */
    override onBeforeShutdown(): void {
      if (this.#faultStallShutdown) return;
      this.disconnect(CloseCodes.SERVER_SHUTDOWN).catch((err) =>
        log.error("room did not close on shutdown", { roomId: this.roomId, err }),
      );
    }

    // FAULT_INJECTION only: "tick" throws in the next step, "stall-shutdown" makes the room ignore
    // shutdown (to test the timeout), anything else throws here in the handler.
    #injectFault(where: unknown): void {
      if (where === "tick") this.#faultAtNextStep = true;
      else if (where === "stall-shutdown") this.#faultStallShutdown = true;
      else throw new Error("fault injected in a message handler (FAULT_INJECTION)");
    }

    #reject(client: Client, reason: ErrorNotice["reason"], type: string, detail: string): void {
      metrics.messagesRejected.inc({ reason });
      const notice: ErrorNotice = { reason, type, detail };
      client.send(ServerMessages.ERROR, notice);
    }
  };
}
