import { type AuthContext, type Client, Room, ServerError } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { CloseCodes, type EngineInput, type EngineState, EngineMessages, type ErrorNotice } from "@tickwire/shared";
import { EngineSerializer } from "../colyseus.ts";
import type { Config } from "../config.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Logger } from "../observability/log.ts";
import { UnreliableFlusher } from "../transport/unreliable/serializer.ts";
import { channelOf } from "../transport/unreliable/channel.ts";
import { TokenError, verifyToken } from "../auth/tokens.ts";
import { anonymousName, joinOptionsOf } from "./joining.ts";
import { TickTimer } from "./tickTimer.ts";
import { RECENT_SAMPLES, RecentTimings } from "../observability/recent.ts";
import { DepartedTraffic } from "../observability/liveView.ts";
import { inspectData } from "../observability/inspect.ts";
import { SERVICE_UNAVAILABLE, type ProcessLoad } from "./admission.ts";
import { GameCore } from "./core.ts";
import { INPUT_BUFFER_SIZE, InputStore } from "./inputs.ts";
import type { Game, PlayerInfo } from "./game.ts";

export interface RoomDeps {
  config: Config;
  metrics: Metrics;
  log: Logger;
  /** Sends what `fn` sends together, each client's frames in one write (see GameTransport). */
  batch(fn: () => void): void;
  /** Holds what is sent until the returned function is called (see GameTransport.hold). */
  hold(): () => void;
  /** This process's rooms and seats against MAX_ROOMS and MAX_CLIENTS. */
  load: ProcessLoad;
}

/** What onAuth hands to onJoin. */
interface Admitted {
  name: string;
  userId: string | undefined;
  options: unknown;
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
 * Builds the Colyseus room class that serves one game. The room is a thin adapter: lifecycle
 * hooks and messages turn into calls on a socket-free GameCore; only the fixed tick mutates the
 * game state. It owns the tick and the scheduling of both channels, the inputs and their
 * acknowledgement, interest, reconnection, crash isolation, auth, limits and the monitor view.
 */
export function createGameRoom<S extends EngineState, I extends EngineInput, W, O>(
  game: Game<S, I, W, O>,
  deps: RoomDeps,
): new () => Room<{ state: S; input: I }> {
  const { config, metrics, log, batch, hold, load } = deps;
  const def = game.definition;

  return class EngineRoom extends Room<{ state: S; input: I }> {
    override maxClients = def.maxClients ?? config.maxPlayersPerRoom;
    override patchRate = 1000 / config.patchHz;
    // The transport enforces MAX_MESSAGES_PER_SECOND (a token bucket, close code 4101) before a
    // frame gets here; Colyseus' own per-second counter is left as a backstop at twice that.
    override maxMessagesPerSecond = config.maxMessagesPerSecond * 2;
    // Colyseus disposes a room whose reserved seats all expired unused this long after the last
    // reservation (its auto-dispose timer): a room created and never joined goes within it.
    override seatReservationTimeout = config.seatReservationSeconds;

    /** Inputs from Tickwire's input frames (the SDK's): read past Colyseus, sanitized as they arrive. */
    readonly #inputs = new InputStore<I>(def.input as unknown as new () => I, def.sanitizeInput?.bind(def));

    // Colyseus' own input channel, for a stock Colyseus client's `room.input()`: a bounded
    // per-client ring; the oldest input is dropped on overflow. Every decoded frame is
    // sanitized in place before anything reads it.
    override inputs = this.defineInput(def.input, {
      // biome-ignore lint/suspicious/noExplicitAny: every input class has `seq` (defineInput adds it)
      seqField: "seq" as any,
      bufferMaxSize: INPUT_BUFFER_SIZE,
      sanitize: (input) => {
        if (def.sanitizeInput?.(input as I)) metrics.inputsSanitized.inc();
      },
    });

    // Handlers only validate and queue: the game handles its messages at the start of the next
    // step (only the tick mutates state). A refusal is answered at once.
    override messages = {
      ...(config.faultInjection
        ? { [FAULT_MESSAGE]: (_client: Client, where: unknown) => this.#injectFault(where) }
        : {}),
      "*": (client: Client, type: string | number, payload: unknown) => {
        const receipt = this.core.receive(client.sessionId, String(type), payload);
        if (receipt.ok) return;
        if (receipt.reason === "queue_full") metrics.messagesRejected.inc({ reason: receipt.reason });
        else this.#reject(client.sessionId, receipt.reason, String(type), receipt.detail);
      },
    };

    /** The game: state, world, interest and history, stepped by the tick below. */
    core!: GameCore<S, I, W, O>;
    /** The latest tick and flush timings, read by the monitor's live view. */
    readonly recent = new RecentTimings(RECENT_SAMPLES, metrics.recent);
    /** What departed clients were sent, for the live view's room totals. */
    readonly departed = new DepartedTraffic();
    #serializer: EngineSerializer<never> | undefined;
    /** Fast fields go out from the tick, on the unreliable channel (see UnreliableFlusher). */
    #flusher: UnreliableFlusher | undefined;
    #flushQueued = false;
    /** Set from a step to the end of the flush after it: what the room sends meanwhile waits for the flush. */
    #releaseSends: (() => void) | undefined;
    #stepsSinceFlush = 0;
    /** Reliable patches owed, in patches: grows by PATCH_HZ / TICK_HZ per step. */
    #patchCredit = 0;
    #patching = false;
    /** Set once an exception escaped the room's code: the room stops and is disposed. */
    #crashed = false;
    #faultAtNextStep = false;
    #faultStallShutdown = false;

    /**
     * Runs during the matchmaking request, before a seat is reserved: bad options or a bad
     * token are refused here. With AUTH_SECRET the user id and name come from the verified
     * token only; join options cannot change them.
     */
    static override async onAuth(token: string | undefined, options: unknown, _ctx: AuthContext): Promise<Admitted> {
      const joined = joinOptionsOf(def.joinOptions, options);
      if ("error" in joined) throw new ServerError(BAD_REQUEST, joined.error);
      const parsedOptions = joined.options;
      // One process without peers: say "full" here rather than "room is already full" later.
      if (!config.redisUrl && load.seatsFull()) {
        throw new ServerError(SERVICE_UNAVAILABLE, `server full: ${config.maxClients} clients (MAX_CLIENTS)`);
      }
      if (!config.auth) {
        const name = anonymousName(parsedOptions, () => `player-${++anonymousCounter}`);
        if (typeof name !== "string") throw new ServerError(BAD_REQUEST, name.error);
        return { name, userId: undefined, options: parsedOptions };
      }
      try {
        const identity = await verifyToken(token, config.auth);
        return { name: identity.name, userId: identity.userId, options: parsedOptions };
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

    // Colyseus installs a SchemaSerializer when the state is set; the engine's subclass takes
    // its place, so that the flush reaches the encoder through a public extension point.
    // biome-ignore lint/suspicious/noExplicitAny: Colyseus' serializer type parameter
    override setSerializer(serializer: any): void {
      const engine = serializer instanceof EngineSerializer ? serializer : new EngineSerializer();
      this.#serializer = engine as EngineSerializer<never>;
      super.setSerializer(engine);
    }

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
      this.core = new GameCore(game, {
        tickRate: config.tickHz,
        // The transport lets a client send a second's worth at once: all of it may wait here.
        maxQueuedMessages: config.maxMessagesPerSecond,
        roomId: this.roomId,
        log,
        outbox: {
          send: (id, type, payload) => this.clients.getById(id)?.send(type, payload),
          broadcast: (type, payload) => this.broadcast(type, payload),
          reject: (id, reason, type, detail) => this.#reject(id, reason, type, detail),
          drop: (reason) => metrics.messagesRejected.inc({ reason }),
        },
      });
      this.state = this.core.state;
      const interest = this.core.interest;
      this.#flusher = new UnreliableFlusher(
        this.#serializer!,
        interest ? (client) => interest.interestOf(client.sessionId) : undefined,
        interest?.farInterval ?? 1,
      );
      const timer = new TickTimer(1000 / config.tickHz, metrics, this.recent);
      this.setFixedTimestep(() => {
        if (this.#crashed) return;
        // The game's messages of this step (a shot, a score) leave with the flush's state.
        this.#releaseSends ??= hold();
        try {
          if (this.#faultAtNextStep) throw new Error("fault injected in the tick (FAULT_INJECTION)");
          timer.begin();
          this.core.step((id) => this.#inputs.next(id) ?? this.inputs.get(id).next());
          timer.end();
        } catch (err) {
          this.#sendHeld();
          throw err;
        }
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
        try {
          if (!this.#crashed) this.#flush();
        } catch (err) {
          this.onUncaughtException(err as Error, "flush");
        } finally {
          this.#sendHeld();
        }
      });
    }

    #sendHeld(): void {
      const release = this.#releaseSends;
      this.#releaseSends = undefined;
      release?.();
    }

    #flush(): void {
      this.#patchCredit = Math.min(this.#patchCredit + (this.#stepsSinceFlush * config.patchHz) / config.tickHz, 2);
      this.#stepsSinceFlush = 0;
      const started = performance.now();
      batch(() => {
        if (this.#patchCredit >= 1) {
          this.#patchCredit -= 1;
          // Views change only with a reliable patch, which carries the entering entities.
          const seen = this.core.interest?.update();
          if (seen && seen.entered > 0) metrics.interestChanges.inc({ kind: "enter" }, seen.entered);
          if (seen && seen.left > 0) metrics.interestChanges.inc({ kind: "leave" }, seen.left);
          this.#patching = true;
          try {
            this.broadcastPatch();
          } finally {
            this.#patching = false;
          }
        }
        this.#flusher?.flush(this.clients, performance.now());
      });
      const ms = performance.now() - started;
      metrics.flushDuration.observe(ms / 1000);
      this.recent.addFlush(ms);
    }

    /** The monitor's room view (`/monitor/api/room`): Colyseus' data plus each client's channel and what it holds. */
    getInspectData(): Promise<Record<string, unknown>> {
      return inspectData(this, this.core.tick, (id) => this.core.interest?.heldBy(id) ?? 0);
    }

    override onJoin(client: Client, _options: unknown, auth: Admitted): void {
      const player: PlayerInfo<O> = {
        sessionId: client.sessionId,
        userId: auth.userId ?? `anon:${client.sessionId}`,
        name: auth.name,
        options: auth.options as O,
      };
      this.core.join(player);
      this.#openInputs(client);
      const interest = this.core.interest;
      if (interest) {
        client.view = new StateView();
        interest.addViewer(client.sessionId, client.view);
      }
    }

    override onDrop(client: Client, code?: number): void {
      this.departed.add(client);
      this.core.setConnected(client.sessionId, false);
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
      this.#openInputs(client);
      this.core.setConnected(client.sessionId, true);
    }

    override onLeave(client: Client): void {
      this.departed.add(client);
      this.#inputs.remove(client.sessionId);
      this.core.leave(client.sessionId);
    }

    /** Routes the input frames of this client's socket to the room's input store. */
    #openInputs(client: Client): void {
      const sessionId = client.sessionId;
      this.#inputs.open(sessionId);
      const channel = channelOf(client);
      if (!channel) return;
      channel.inputSink = (frame, offset) => {
        if (this.#crashed) return undefined;
        try {
          const receipt = this.#inputs.receive(sessionId, frame, offset);
          if ("problem" in receipt) return receipt.problem;
          if (receipt.sanitized > 0) metrics.inputsSanitized.inc(receipt.sanitized);
        } catch (err) {
          // The game's sanitizer threw: the room's code failed, as in any of its hooks.
          this.onUncaughtException(err as Error, "sanitizeInput");
        }
        return undefined;
      };
    }

    override onDispose(): void {
      load.forget(this);
      this.core?.dispose();
      log.info("room disposed", { roomId: this.roomId, ticks: this.core?.tick ?? 0 });
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
      log.error("room crashed: disposing it", { roomId: this.roomId, method, tick: this.core?.tick, err: cause });
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

    #reject(sessionId: string, reason: string, type: string, detail: string): void {
      metrics.messagesRejected.inc({ reason });
      const notice: ErrorNotice = { reason, type, detail };
      this.clients.getById(sessionId)?.send(EngineMessages.ERROR, notice);
    }
  };
}
