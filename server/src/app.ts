import "./runtime/websocketGlobal.ts";
import { defineRoom, defineServer, matchMaker, type Server } from "@colyseus/core";
import type { Config } from "./config.ts";
import { createLogger, setLogLevel } from "./observability/log.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { createTransport, type GameTransport } from "./transport/index.ts";
import { channelEventsFromMetrics, meterFromMetrics } from "./transport/meter.ts";
import { originGate } from "./transport/limits.ts";
import { createGameRoom } from "./engine/room.ts";
import type { Game } from "./engine/game.ts";
import { ProcessLoad, selectProcess } from "./engine/admission.ts";
import { createRoutes } from "./http/routes.ts";
import { MatchmakingLimits } from "./http/matchmakingLimits.ts";
import { connectCluster, type Cluster } from "./cluster/redis.ts";

/** What a server serves: its games by room name, and static pages. */
export interface AppOptions {
  /** The games, by the room name clients join (`client.join("dots", ...)`). */
  // biome-ignore lint/suspicious/noExplicitAny: games of any state, input and world
  rooms: Readonly<Record<string, Game<any, any, any, any>>>;
  /** Static pages: URL prefix (starting and ending with "/") to a directory, e.g. `{ "/": "./public" }`. */
  pages?: Readonly<Record<string, string>>;
}

export interface App {
  readonly server: Server;
  readonly transport: GameTransport;
  readonly metrics: Metrics;
  /** Set with REDIS_URL: this process's place in the cluster. */
  readonly cluster: Cluster | undefined;
  /** Starts listening; resolves with the port really bound. */
  listen(): Promise<number>;
  /**
   * Stops accepting joins, closes every client with SERVER_SHUTDOWN, lets rooms dispose and
   * removes this process's rooms from the shared listing. Resolves `"clean"`, or `"timeout"`
   * when rooms were still closing after `timeoutMs` (the listing is cleaned anyway). Does not
   * exit the process.
   */
  close(timeoutMs?: number): Promise<"clean" | "timeout">;
}

/**
 * Composes one Tickwire server process: transport, a room per game, HTTP routes, metrics, and
 * with REDIS_URL the shared presence and room listing. Colyseus keeps its matchmaker in module
 * state, so one process holds one App.
 *
 * @example
 * ```ts
 * const app = await createApp(loadConfig(), { rooms: { dots }, pages: { "/": "./public" } });
 * await app.listen();
 * ```
 */
export async function createApp(config: Config, options: AppOptions): Promise<App> {
  if (Object.keys(options.rooms).length === 0) throw new Error("createApp: no rooms to serve (options.rooms is empty)");
  setLogLevel(config.logLevel);
  const log = createLogger("server");
  let transport: GameTransport | undefined;
  const load = new ProcessLoad(config.maxRooms, config.maxClients);
  const metrics = createMetrics({
    rooms: () => matchMaker.stats.local.roomCount,
    clients: () => matchMaker.stats.local.ccu,
    backlog: () => transport?.backlog() ?? { clients: 0, bytes: 0 },
  });
  const origins = originGate(config.allowedOrigins, (origin) => {
    metrics.originsRejected.inc();
    log.debug("websocket upgrade refused", { origin });
  });
  const matchmaking = new MatchmakingLimits({
    joinsPerSecond: config.matchmakeJoinsPerSecond,
    createsPerWindow: config.matchmakeCreatesPerWindow,
    createWindowSeconds: config.matchmakeCreateWindowSeconds,
    onRefused: (limit) => metrics.rateLimited.inc({ limit }),
  });
  transport = await createTransport(
    config,
    meterFromMetrics(metrics),
    channelEventsFromMetrics(metrics),
    createLogger("transport"),
    origins,
    matchmaking,
  );
  const cluster = config.redisUrl ? await connectCluster(config, createLogger("cluster")) : undefined;

  const bound = transport;
  const server = defineServer({
    transport: transport.colyseus,
    greet: false,
    // index.ts owns signals so that the exit code and the log line are ours.
    gracefullyShutdown: false,
    ...(cluster ? { presence: cluster.presence, driver: cluster.driver, publicAddress: config.publicAddress } : {}),
    // Each room created is charged to the address whose request created it (MATCHMAKE_CREATES_PER_WINDOW).
    selectProcessIdToCreateRoom: matchmaking.chargingCreations(selectProcess(config, load)),
    rooms: Object.fromEntries(
      Object.entries(options.rooms).map(([name, game]) => [
        name,
        defineRoom(
          createGameRoom(game, {
            config,
            metrics,
            log: createLogger(name),
            batch: (fn) => bound.batch(fn),
            hold: () => bound.hold(),
            load,
          }),
        ),
      ]),
    ),
    routes: createRoutes({
      config,
      metrics,
      transportKind: () => bound.kind,
      startedAt: Date.now(),
      load,
      pages: options.pages ?? {},
    }),
  });

  let closing: Promise<"clean" | "timeout"> | undefined;
  return {
    server,
    transport: bound,
    metrics,
    cluster,
    async listen() {
      await server.listen(config.port, config.host);
      cluster?.startSweeping();
      return bound.boundPort();
    },
    close(timeoutMs = config.shutdownTimeoutSeconds * 1000) {
      closing ??= (async () => {
        cluster?.stopSweeping();
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
        const outcome = await Promise.race([server.gracefullyShutdown(false).then(() => "clean" as const), timedOut]);
        clearTimeout(timer);
        if (outcome === "timeout") {
          log.warn(`rooms still closing after ${timeoutMs} ms: exiting anyway`, { rooms: load.rooms });
          // Whatever is left must not stay listed for other processes to send clients to.
          await cluster
            ?.forgetSelf()
            .catch((err) => log.error("could not remove this process's rooms from the listing", { err }));
        }
        return outcome;
      })();
      return closing;
    },
  };
}
