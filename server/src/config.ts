import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { z } from "zod";
import { trustedProxyProblem } from "./transport/clientAddress.ts";

// The one place that reads the environment. Read once at start-up, validated, frozen;
// a bad value stops the process with the variable's name in the message.

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const flag = z.enum(["0", "1", "true", "false"]).transform((v) => v === "1" || v === "true");

const EnvSchema = z.object({
  /** `production` turns on the checks a public server needs (AUTH_SECRET or ALLOW_ANONYMOUS=1). */
  NODE_ENV: z.string().trim().default("development"),
  PORT: int(0, 65535).default(2567),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  TICK_HZ: int(1, 240).default(30),
  PATCH_HZ: int(1, 120).default(20),
  MAX_PLAYERS_PER_ROOM: int(1, 1000).default(64),
  MONITOR_USER: z.string().trim().min(1).default("admin"),
  MONITOR_PASSWORD: z.string().min(8, "must be at least 8 characters").optional(),
  RECONNECT_WINDOW_SECONDS: int(0, 3600).default(20),
  MAX_MESSAGES_PER_SECOND: int(1, 100_000).default(120),
  MAX_MESSAGE_BYTES: int(64, 16 * 1024 * 1024).default(4096),
  /** HTTP request bodies (matchmaking options) above this are refused with 413. */
  MAX_HTTP_BODY_BYTES: int(256, 16 * 1024 * 1024).default(16 * 1024),
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
  /** 1: behave as if no native uWebSockets.js binary fitted (tests of the fallback). */
  UWS_USE_FALLBACK: flag.default(false),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),

  /** Scale-out: with a Redis URL, rooms are listed and joined across every process on that Redis. */
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .optional(),
  /** host:port at which clients reach this process (defaults to localhost:PORT with REDIS_URL). */
  PUBLIC_ADDRESS: z
    .string()
    .trim()
    .regex(/^[^\s/:]+(:\d{1,5})?(\/[^\s]*)?$/, "must be host:port (no scheme)")
    .optional(),
  /** How often (seconds) a process looks for peers that vanished and removes their rooms from the listing. */
  CLUSTER_SWEEP_SECONDS: int(1, 3600).default(3),

  /** HS256 secret that signs join tokens; set, every join needs a valid token. At least 32 bytes. */
  AUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** Optional `iss` and `aud` a token must carry. */
  AUTH_ISSUER: z.string().trim().min(1).optional(),
  AUTH_AUDIENCE: z.string().trim().min(1).optional(),
  /** In production without AUTH_SECRET, the server starts only with this set to 1. */
  ALLOW_ANONYMOUS: flag.default(false),
  /** Serves POST /auth/dev-token (mints tokens with AUTH_SECRET); refused in production. */
  DEV_TOKENS: flag.default(false),

  /** Comma-separated Origin values allowed to open a WebSocket; empty allows every origin. */
  ALLOWED_ORIGINS: z.string().trim().default(""),
  /** Rooms this process hosts at most; past it, new rooms go to another process or the join is refused. */
  MAX_ROOMS: int(1, 100_000).default(200),
  /** Clients (with seats reserved) this process holds at most, across its rooms. */
  MAX_CLIENTS: int(1, 1_000_000).default(5000),
  /** How long a reserved seat waits for its client; a room nobody joins is disposed after it. */
  SEAT_RESERVATION_SECONDS: int(1, 3600).default(10),
  /** Matchmaking requests (every method) per second from one address; 0: no limit. */
  MATCHMAKE_JOINS_PER_SECOND: int(0, 1_000_000).default(10),
  /** Rooms one address may have created per MATCHMAKE_CREATE_WINDOW_SECONDS; 0: no limit. */
  MATCHMAKE_CREATES_PER_WINDOW: int(0, 1_000_000).default(20),
  MATCHMAKE_CREATE_WINDOW_SECONDS: int(1, 3600).default(60),
  /** Comma-separated proxies (addresses, CIDR ranges) whose X-Forwarded-For is believed; empty: none. */
  TRUSTED_PROXIES: z
    .string()
    .trim()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p.length > 0),
    )
    .superRefine((list, ctx) => {
      for (const entry of list) {
        const problem = trustedProxyProblem(entry);
        if (problem) ctx.addIssue({ code: "custom", message: `${JSON.stringify(entry)}: ${problem}` });
      }
    }),
  /** Failed monitor logins from one address before it is locked out. */
  MONITOR_LOGIN_FAILURES: int(1, 1000).default(5),
  /** The first lock-out; each further failure doubles it, up to 15 minutes. */
  MONITOR_LOGIN_BACKOFF_SECONDS: int(1, 900).default(1),
  /** TLS directly on uWebSockets.js: both files, PEM. */
  TLS_KEY_FILE: z.string().trim().min(1).optional(),
  TLS_CERT_FILE: z.string().trim().min(1).optional(),
  /** On SIGTERM/SIGINT: how long rooms get to close before the process exits anyway. */
  SHUTDOWN_TIMEOUT_SECONDS: int(1, 3600).default(10),
  /** Test-only hooks that make a room throw on request (crash isolation tests); refused in production. */
  FAULT_INJECTION: flag.default(false),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly tickHz: number;
  readonly patchHz: number;
  readonly maxPlayersPerRoom: number;
  readonly monitorUser: string;
  readonly monitorPassword: string;
  /** True when MONITOR_PASSWORD was not set and a random one was generated for this run. */
  readonly monitorPasswordGenerated: boolean;
  readonly reconnectWindowSeconds: number;
  readonly maxMessagesPerSecond: number;
  readonly maxMessageBytes: number;
  readonly maxHttpBodyBytes: number;
  readonly reliableBacklogBytes: number;
  readonly unreliableBacklogBytes: number;
  readonly unreliableMaxFramesInFlight: number;
  readonly unreliableDelivery: "ack-window" | "queue";
  readonly transport: "auto" | "uws" | "ws";
  /** UWS_USE_FALLBACK=1: no native binding is looked for. */
  readonly uwsDisabled: boolean;
  readonly logLevel: "debug" | "info" | "warn" | "error";
  readonly production: boolean;
  readonly redisUrl: string | undefined;
  /** Set with REDIS_URL (or PUBLIC_ADDRESS): where clients reach this process. */
  readonly publicAddress: string | undefined;
  readonly clusterSweepSeconds: number;
  readonly auth: AuthConfig | undefined;
  /** True when joins without a token are accepted (no AUTH_SECRET). */
  readonly anonymous: boolean;
  readonly devTokens: boolean;
  /** Allowed WebSocket origins; empty allows all. */
  readonly allowedOrigins: readonly string[];
  readonly maxRooms: number;
  readonly maxClients: number;
  /** Seconds a reserved seat waits for its client (Colyseus' seatReservationTimeout). */
  readonly seatReservationSeconds: number;
  /** Per-address matchmaking limits; 0 turns one off. */
  readonly matchmakeJoinsPerSecond: number;
  readonly matchmakeCreatesPerWindow: number;
  readonly matchmakeCreateWindowSeconds: number;
  /** Proxies whose X-Forwarded-For is believed (addresses, CIDR ranges); empty: none. */
  readonly trustedProxies: readonly string[];
  /** Monitor login back-off: failures before a lock-out, and its first length (it doubles from there). */
  readonly monitorLoginFailures: number;
  readonly monitorLoginBackoffSeconds: number;
  readonly tls: { readonly keyFile: string; readonly certFile: string } | undefined;
  readonly shutdownTimeoutSeconds: number;
  readonly faultInjection: boolean;
}

export interface AuthConfig {
  readonly secret: string;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Validators for environment variables, for a game's own settings (see `loadSettings`). */
export const env = {
  /** A whole number in [min, max]. */
  int,
  /** `0`, `1`, `true` or `false`. */
  flag,
};

type Env = Record<string, string | undefined>;

/** Parses the variables `schema` names out of `vars`; a bad one throws a ConfigError naming it. */
function parseEnv<T extends z.ZodRawShape>(schema: z.ZodObject<T>, vars: Env): z.infer<z.ZodObject<T>> {
  // Empty strings count as unset, as in most shells' `VAR= cmd`.
  const present = Object.fromEntries(
    Object.keys(schema.shape).flatMap((k) => (vars[k] !== undefined && vars[k] !== "" ? [[k, vars[k]]] : [])),
  );
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => {
    const key = String(i.path[0]);
    const shown = key.includes("PASSWORD") || key.includes("SECRET") ? "(hidden)" : JSON.stringify(present[key]);
    return `${key}=${shown}: ${i.message}`;
  });
  throw new ConfigError(`invalid configuration\n  ${lines.join("\n  ")}`);
}

/**
 * A game's own settings from the environment, validated the way the server's are: with
 * `runServer`, a bad value stops the process with exit code 2 and the variable's name.
 *
 * @example
 * ```ts
 * runServer(() => {
 *   const s = loadSettings({ COINS: env.int(0, 100).default(14) });
 *   return { rooms: { dots: dotsGame({ coins: s.COINS }) } };
 * });
 * ```
 */
export function loadSettings<T extends z.ZodRawShape>(
  shape: T,
  vars: Env = process.env,
): Readonly<z.infer<z.ZodObject<T>>> {
  return Object.freeze(parseEnv(z.object(shape), vars));
}

/** Builds the config from an environment map (defaults to the process environment). */
export function loadConfig(vars: Env = process.env): Config {
  const e = parseEnv(EnvSchema, vars);
  const production = e.NODE_ENV === "production";
  const problems: string[] = [];
  if (production && !e.AUTH_SECRET && !e.ALLOW_ANONYMOUS) {
    problems.push(
      "AUTH_SECRET: required when NODE_ENV=production (or set ALLOW_ANONYMOUS=1 to serve anonymous players on purpose)",
    );
  }
  if (production && e.DEV_TOKENS) problems.push("DEV_TOKENS=1: not allowed when NODE_ENV=production");
  if (production && e.FAULT_INJECTION) problems.push("FAULT_INJECTION=1: not allowed when NODE_ENV=production");
  if (e.DEV_TOKENS && !e.AUTH_SECRET) problems.push("DEV_TOKENS=1: needs AUTH_SECRET to sign with");
  if ((e.TLS_KEY_FILE === undefined) !== (e.TLS_CERT_FILE === undefined)) {
    problems.push(
      `${e.TLS_KEY_FILE ? "TLS_CERT_FILE" : "TLS_KEY_FILE"}: must be set together with ${e.TLS_KEY_FILE ? "TLS_KEY_FILE" : "TLS_CERT_FILE"}`,
    );
  }
  for (const key of ["TLS_KEY_FILE", "TLS_CERT_FILE"] as const) {
    if (e[key] !== undefined && !existsSync(e[key])) problems.push(`${key}=${JSON.stringify(e[key])}: no such file`);
  }
  if (e.REDIS_URL && !e.PUBLIC_ADDRESS && e.PORT === 0) {
    problems.push(
      "PUBLIC_ADDRESS: required with REDIS_URL when PORT=0 (peers must know where to send this process's clients)",
    );
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration\n  ${problems.join("\n  ")}`);
  const generated = e.MONITOR_PASSWORD === undefined;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    tickHz: e.TICK_HZ,
    patchHz: e.PATCH_HZ,
    maxPlayersPerRoom: e.MAX_PLAYERS_PER_ROOM,
    monitorUser: e.MONITOR_USER,
    monitorPassword: e.MONITOR_PASSWORD ?? randomBytes(12).toString("base64url"),
    monitorPasswordGenerated: generated,
    reconnectWindowSeconds: e.RECONNECT_WINDOW_SECONDS,
    maxMessagesPerSecond: e.MAX_MESSAGES_PER_SECOND,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
    maxHttpBodyBytes: e.MAX_HTTP_BODY_BYTES,
    reliableBacklogBytes: e.RELIABLE_BACKLOG_BYTES,
    unreliableBacklogBytes: e.UNRELIABLE_BACKLOG_BYTES,
    unreliableMaxFramesInFlight: e.UNRELIABLE_MAX_FRAMES_IN_FLIGHT,
    unreliableDelivery: e.UNRELIABLE_DELIVERY,
    transport: e.TRANSPORT,
    uwsDisabled: e.UWS_USE_FALLBACK,
    logLevel: e.LOG_LEVEL,
    production,
    redisUrl: e.REDIS_URL,
    publicAddress:
      e.PUBLIC_ADDRESS ?? (e.REDIS_URL ? `${e.HOST === "0.0.0.0" ? "localhost" : e.HOST}:${e.PORT}` : undefined),
    clusterSweepSeconds: e.CLUSTER_SWEEP_SECONDS,
    auth: e.AUTH_SECRET
      ? Object.freeze({ secret: e.AUTH_SECRET, issuer: e.AUTH_ISSUER, audience: e.AUTH_AUDIENCE })
      : undefined,
    anonymous: !e.AUTH_SECRET,
    devTokens: e.DEV_TOKENS,
    allowedOrigins: Object.freeze(
      e.ALLOWED_ORIGINS.split(",")
        .map((o) => o.trim().replace(/\/+$/, ""))
        .filter((o) => o.length > 0),
    ),
    maxRooms: e.MAX_ROOMS,
    maxClients: e.MAX_CLIENTS,
    seatReservationSeconds: e.SEAT_RESERVATION_SECONDS,
    matchmakeJoinsPerSecond: e.MATCHMAKE_JOINS_PER_SECOND,
    matchmakeCreatesPerWindow: e.MATCHMAKE_CREATES_PER_WINDOW,
    matchmakeCreateWindowSeconds: e.MATCHMAKE_CREATE_WINDOW_SECONDS,
    trustedProxies: Object.freeze(e.TRUSTED_PROXIES),
    monitorLoginFailures: e.MONITOR_LOGIN_FAILURES,
    monitorLoginBackoffSeconds: e.MONITOR_LOGIN_BACKOFF_SECONDS,
    tls:
      e.TLS_KEY_FILE && e.TLS_CERT_FILE
        ? Object.freeze({ keyFile: e.TLS_KEY_FILE, certFile: e.TLS_CERT_FILE })
        : undefined,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    faultInjection: e.FAULT_INJECTION,
  });
}

/**
 * The environment for one process started by `npm run start:cluster`: this process's own,
 * plus the port, Redis and public address of that member of the cluster.
 */
export function clusterMemberEnv(
  port: number,
  redisUrl: string,
  publicHost: string,
): Record<string, string | undefined> {
  return { ...process.env, PORT: String(port), REDIS_URL: redisUrl, PUBLIC_ADDRESS: `${publicHost}:${port}` };
}
