import { randomBytes } from "node:crypto";
import { z } from "zod";

// The one place that reads the environment. Read once at start-up, validated, frozen;
// a bad value stops the process with the variable's name in the message.

const int = (min: number, max: number) =>
  z.string().trim().regex(/^-?\d+$/, "must be a whole number").transform(Number)
    .pipe(z.number().int().min(min).max(max));

const EnvSchema = z.object({
  PORT: int(0, 65535).default(2567),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  TICK_HZ: int(1, 240).default(30),
  PATCH_HZ: int(1, 120).default(20),
  MAX_PLAYERS_PER_ROOM: int(1, 1000).default(64),
  /** Side of the square world in units (positions are quantized over [0, 8192]). */
  WORLD_SIZE: int(500, 8192).default(4000),
  /** Chat lines per second per client (sustained), the burst allowed, and the mute for going over. */
  CHAT_MESSAGES_PER_SECOND: int(1, 100_000).default(2),
  CHAT_BURST: int(1, 100_000).default(5),
  CHAT_MUTE_SECONDS: int(0, 3600).default(10),
  /** Lag compensation limit: shots are tested at most this far in the past. */
  MAX_REWIND_MS: int(0, 1000).default(200),
  /** Interest management: a player further than this (units) from a client is not in its state. */
  AOI_RADIUS: int(100, 16_384).default(1200),
  /** A player enters a view at AOI_RADIUS minus this, and leaves it beyond AOI_RADIUS. */
  AOI_HYSTERESIS: int(0, 1000).default(100),
  /** Players in the outer half of a view get their fast fields every this many ticks (1: every tick). */
  AOI_FAR_INTERVAL: int(1, 10).default(2),
  MONITOR_USER: z.string().trim().min(1).default("admin"),
  MONITOR_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  RECONNECT_WINDOW_SECONDS: int(0, 3600).default(20),
  MAX_MESSAGES_PER_SECOND: int(1, 100_000).default(120),
  MAX_MESSAGE_BYTES: int(64, 16 * 1024 * 1024).default(4096),
  /** Reliable bytes allowed to wait for one client before it is closed with 4100. */
  RELIABLE_BACKLOG_BYTES: int(16 * 1024, 64 * 1024 * 1024).default(256 * 1024),
  /** A client that never acknowledges gets unreliable frames only while its backlog is at most this. */
  UNRELIABLE_BACKLOG_BYTES: int(0, 16 * 1024 * 1024).default(0),
  /** Hard cap on unacknowledged unreliable frames per client. */
  UNRELIABLE_MAX_FRAMES_IN_FLIGHT: int(1, 1024).default(32),
  /**
   * ack-window: unreliable frames are dropped rather than queued (the default). queue: every
   * frame is sent and waits behind any backlog, as reliable data does: for comparisons only.
   */
  UNRELIABLE_DELIVERY: z.enum(["ack-window", "queue"]).default("ack-window"),
  /** auto: native uWebSockets.js when its binding loads, else the ws transport. */
  TRANSPORT: z.enum(["auto", "uws", "ws"]).default("auto"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly tickHz: number;
  readonly patchHz: number;
  readonly maxPlayersPerRoom: number;
  readonly worldSize: number;
  readonly maxRewindMs: number;
  readonly aoiRadius: number;
  readonly aoiHysteresis: number;
  readonly aoiFarInterval: number;
  readonly chatPerSecond: number;
  readonly chatBurst: number;
  readonly chatMuteSeconds: number;
  readonly monitorUser: string;
  readonly monitorPassword: string;
  /** True when MONITOR_PASSWORD was not set and a random one was generated for this run. */
  readonly monitorPasswordGenerated: boolean;
  readonly reconnectWindowSeconds: number;
  readonly maxMessagesPerSecond: number;
  readonly maxMessageBytes: number;
  readonly reliableBacklogBytes: number;
  readonly unreliableBacklogBytes: number;
  readonly unreliableMaxFramesInFlight: number;
  readonly unreliableDelivery: "ack-window" | "queue";
  readonly transport: "auto" | "uws" | "ws";
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Builds the config from an environment map (defaults to the process environment). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.keys(EnvSchema.shape).flatMap((k) => (env[k] !== undefined && env[k] !== "" ? [[k, env[k]]] : [])),
  );
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const key = String(i.path[0]);
      const shown = key.includes("PASSWORD") ? "(hidden)" : JSON.stringify(present[key]);
      return `${key}=${shown}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  const generated = e.MONITOR_PASSWORD === undefined;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    tickHz: e.TICK_HZ,
    patchHz: e.PATCH_HZ,
    maxPlayersPerRoom: e.MAX_PLAYERS_PER_ROOM,
    worldSize: e.WORLD_SIZE,
    maxRewindMs: e.MAX_REWIND_MS,
    aoiRadius: e.AOI_RADIUS,
    aoiHysteresis: Math.min(e.AOI_HYSTERESIS, e.AOI_RADIUS),
    aoiFarInterval: e.AOI_FAR_INTERVAL,
    chatPerSecond: e.CHAT_MESSAGES_PER_SECOND,
    chatBurst: e.CHAT_BURST,
    chatMuteSeconds: e.CHAT_MUTE_SECONDS,
    monitorUser: e.MONITOR_USER,
    monitorPassword: e.MONITOR_PASSWORD ?? randomBytes(12).toString("base64url"),
    monitorPasswordGenerated: generated,
    reconnectWindowSeconds: e.RECONNECT_WINDOW_SECONDS,
    maxMessagesPerSecond: e.MAX_MESSAGES_PER_SECOND,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    reliableBacklogBytes: e.RELIABLE_BACKLOG_BYTES,
    unreliableBacklogBytes: e.UNRELIABLE_BACKLOG_BYTES,
    unreliableMaxFramesInFlight: e.UNRELIABLE_MAX_FRAMES_IN_FLIGHT,
    unreliableDelivery: e.UNRELIABLE_DELIVERY,
    transport: e.TRANSPORT,
    logLevel: e.LOG_LEVEL,
  });
}
