import "./runtime/websocketGlobal.ts";
import { defineRoom, defineServer, matchMaker, type Server } from "@colyseus/core";
import { ARENA_ROOM } from "@tickwire/shared";
import type { Config } from "./config.ts";
import { createLogger, setLogLevel } from "./observability/log.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { createTransport, type GameTransport } from "./transport/index.ts";
import { channelEventsFromMetrics, meterFromMetrics } from "./transport/meter.ts";
import { createArenaRoom } from "./rooms/ArenaRoom.ts";
import { createRoutes } from "./http/routes.ts";

export interface App {
  readonly server: Server;
  readonly transport: GameTransport;
  readonly metrics: Metrics;
  /** Starts listening; resolves with the port really bound. */
  listen(): Promise<number>;
  /** Stops accepting, disposes rooms, closes the transport. Does not exit the process. */
  close(): Promise<void>;
}

/**
 * Composes one Tickwire server process: transport, arena room, HTTP routes, metrics.
 * Colyseus keeps its matchmaker in module state, so one process holds one App.
 */
export async function createApp(config: Config): Promise<App> {
  setLogLevel(config.logLevel);
  const log = createLogger("server");
  let transport: GameTransport | undefined;
  const metrics = createMetrics({
    rooms: () => matchMaker.stats.local.roomCount,
    clients: () => matchMaker.stats.local.ccu,
    backlog: () => transport?.backlog() ?? { clients: 0, bytes: 0 },
  });
  transport = await createTransport(config, meterFromMetrics(metrics), channelEventsFromMetrics(metrics), createLogger("transport"));

  const bound = transport;
  const server = defineServer({
    transport: transport.colyseus,
    greet: false,
    // index.ts owns signals so that the exit code and the log line are ours.
    gracefullyShutdown: false,
    rooms: {
      [ARENA_ROOM]: defineRoom(createArenaRoom({ config, metrics, log: createLogger("arena"), batch: (fn) => bound.batch(fn) })),
    },
    routes: createRoutes({ config, metrics, transportKind: () => bound.kind, startedAt: Date.now() }),
  });

  return {
    server,
    transport: bound,
    metrics,
    async listen() {
      await server.listen(config.port, config.host);
      return bound.boundPort();
    },
    async close() {
      await server.gracefullyShutdown(false);
    },
  };
}
