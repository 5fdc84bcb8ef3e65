import { Callbacks, type Room, type InputHandle } from "@colyseus/sdk";
import {
  ServerMessages, ClientMessages, PlayerInput,
  type ArenaState, type Player, type ChatBroadcast, type ErrorNotice, type ShotsBroadcast,
} from "@tickwire/shared/wire";
import { Emitter } from "./emitter.ts";
import { ClientChannel, type ChannelOptions, type ChannelCounters } from "./channel.ts";

/** What a game asks for in one input; `sendInput` stamps the sequence number. */
export interface InputIntent {
  /** Movement stick, each axis in [-1, 1]. */
  moveX: number;
  moveY: number;
  /** Aim angle in radians. */
  aim?: number;
  /** Button bits, see `Buttons`. */
  buttons?: number;
  /**
   * The server tick (fractional) the game is showing other players at, for lag compensation:
   * a shot is tested against the world as it was then (up to the server's MAX_REWIND_MS).
   * Default: the newest tick received.
   */
  viewTick?: number;
}

export interface ArenaEvents {
  /** A player entered the state, this client's own included (also fires once per player already present at join). */
  playerAdd: (player: Player, sessionId: string) => void;
  playerRemove: (player: Player, sessionId: string) => void;
  /**
   * Another player came into this client's area of interest (the server sends each client only
   * the players near it): it is now in `state.players`. Also fires for those in range at join.
   */
  enterView: (player: Player, sessionId: string) => void;
  /** Another player went out of range, or left the room while in range: it is no longer in `state.players`. */
  leaveView: (player: Player, sessionId: string) => void;
  /** A state patch was applied. */
  state: (state: ArenaState) => void;
  chat: (line: ChatBroadcast) => void;
  /** Shots fired in one server tick (hitscan: each starts and ends in that tick). */
  shots: (shots: ShotsBroadcast) => void;
  /** The server ignored a message of ours and says why. */
  error: (notice: ErrorNotice) => void;
  /** The connection dropped; the SDK is reconnecting to the held seat. */
  drop: (code: number, reason?: string) => void;
  /** The seat was taken back after a drop; the full state has been received again. */
  reconnect: () => void;
  /** The connection ended; `code` is a WebSocket close code (see `CloseCodes`). */
  leave: (code: number, reason?: string) => void;
}

/** Counters a game can show in a net-stats overlay; cumulative since join. */
export interface NetCounters extends ChannelCounters {
  /** State patches applied (reliable and unreliable). */
  patches: number;
}

export interface ArenaConnectionOptions extends ChannelOptions {
  /** How often to measure round-trip time, in ms (0 disables). Default 1000. */
  pingIntervalMs?: number;
}

/**
 * A joined arena: typed state, player events, inputs with sequence numbers, latency.
 *
 * @example
 * ```ts
 * const arena = await new TickwireClient("ws://localhost:2567").joinArena({ name: "ada" });
 * arena.on("playerAdd", (p, id) => console.log(id, "joined at", p.x, p.y));
 * setInterval(() => arena.sendInput({ moveX: 1, moveY: 0 }), 1000 / 30);
 * ```
 */
export class ArenaConnection {
  readonly room: Room<any, ArenaState>;
  #events = new Emitter<ArenaEvents>();
  #input: InputHandle<PlayerInput>;
  #seq = 0;
  #rttMs = NaN;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: Array<() => void> = [];
  #channel: ClientChannel;
  #patches = 0;
  /** Close code once the connection has ended for good. */
  #closedWith: number | undefined;

  constructor(room: Room<any, ArenaState>, opts: ArenaConnectionOptions = {}) {
    this.room = room;
    this.#channel = new ClientChannel(room, opts);
    // Unreliable mode: each frame carries the newest inputs (a redundancy ring), so a frame the
    // channel skips while the socket is backed up costs nothing.
    this.#input = room.input<PlayerInput>({ type: PlayerInput, mode: "unreliable" });

    const $ = Callbacks.get(room);
    this.#unsubscribe.push(
      $.onAdd("players", (p, id) => {
        this.#events.emit("playerAdd", p as Player, id as string);
        if (id !== room.sessionId) this.#events.emit("enterView", p as Player, id as string);
      }),
      $.onRemove("players", (p, id) => {
        this.#events.emit("playerRemove", p as Player, id as string);
        if (id !== room.sessionId) this.#events.emit("leaveView", p as Player, id as string);
      }),
    );
    room.onStateChange((s) => {
      this.#patches++;
      this.#events.emit("state", s);
    });
    room.onDrop((code, reason) => this.#events.emit("drop", this.#channel.lastCloseCode ?? code, reason));
    room.onReconnect(() => this.#events.emit("reconnect"));
    room.onMessage(ServerMessages.CHAT, (line: ChatBroadcast) => this.#events.emit("chat", line));
    room.onMessage(ServerMessages.SHOTS, (shots: ShotsBroadcast) => this.#events.emit("shots", shots));
    room.onMessage(ServerMessages.ERROR, (notice: ErrorNotice) => this.#events.emit("error", notice));
    room.onLeave((code, reason) => {
      this.#closedWith = code;
      this.#stopPing();
      this.#channel.dispose();
      this.#events.emit("leave", code, reason);
      for (const off of this.#unsubscribe.splice(0)) off();
    });

    const every = opts.pingIntervalMs ?? 1000;
    if (every > 0) {
      this.#ping();
      this.#pingTimer = setInterval(() => this.#ping(), every);
    }
  }

  get sessionId(): string { return this.room.sessionId; }
  get roomId(): string { return this.room.roomId; }
  /** Pass to `TickwireClient.reconnect()` to take this seat back after a drop. */
  get reconnectionToken(): string { return this.room.reconnectionToken; }
  get state(): ArenaState { return this.room.state; }
  /** This client's own player, once the first state has arrived. */
  get self(): Player | undefined { return this.room.state?.players?.get(this.room.sessionId); }
  /** Newest measured round-trip time in ms (NaN before the first measurement). */
  get latencyMs(): number { return this.#rttMs; }
  /** True once the connection has ended for good (left, kicked, or reconnection gave up). */
  get closed(): boolean { return this.#closedWith !== undefined; }
  /** Sequence number of the newest input sent. */
  get lastSentSeq(): number { return this.#seq; }

  on<K extends keyof ArenaEvents>(event: K, handler: ArenaEvents[K]): () => void {
    return this.#events.on(event, handler);
  }

  /** Sends one input (call once per simulation tick). Returns its sequence number. */
  sendInput(intent: InputIntent): number {
    const d = this.#input.data;
    d.seq = ++this.#seq;
    d.moveX = intent.moveX;
    d.moveY = intent.moveY;
    d.aim = intent.aim ?? 0;
    d.buttons = intent.buttons ?? 0;
    d.viewTick = intent.viewTick ?? this.room.state?.tick ?? 0;
    this.#input.send();
    return this.#seq;
  }

  chat(text: string): void {
    this.room.send(ClientMessages.CHAT, text);
  }

  /** Leaves the room for good (the seat is not held). Resolves with the close code. */
  async leave(): Promise<number> {
    this.#stopPing();
    if (this.#closedWith !== undefined) return this.#closedWith;
    return this.room.leave(true);
  }

  /** Cumulative traffic counters (a copy). */
  get counters(): NetCounters { return { ...this.#channel.counters, patches: this.#patches }; }

  #ping(): void {
    if (!this.room.connection?.isOpen) return;
    this.room.ping((ms) => { this.#rttMs = ms; });
  }

  #stopPing(): void {
    if (this.#pingTimer !== undefined) clearInterval(this.#pingTimer);
    this.#pingTimer = undefined;
  }
}
