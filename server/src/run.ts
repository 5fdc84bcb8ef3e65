import { loadConfig, ConfigError, type Config } from "./config.ts";
import { type App, type AppOptions, createApp } from "./app.ts";
import { createLogger } from "./observability/log.ts";

const log = createLogger("server");

/**
 * A server process for the given games: reads the configuration from the environment (a bad
 * value exits with code 2 and the variable's name), listens, logs where, and on SIGTERM/SIGINT
 * drains (clients told 4001) and exits 0. A failure to start exits 1.
 *
 * @example
 * ```ts
 * // server.ts, run with `node server.js`
 * import { runServer } from "@tickwire/server";
 * import { dots } from "./dots.js";
 * runServer(() => ({ rooms: { dots }, pages: { "/": new URL("./public", import.meta.url).pathname } }));
 * ```
 */
export function runServer(options: AppOptions | ((config: Config) => AppOptions)): Promise<App> {
  return main(options).catch((err) => {
    log.error("failed to start", { err });
    process.exit(1);
  });
}

async function main(options: AppOptions | ((config: Config) => AppOptions)): Promise<App> {
  let config: Config;
  let appOptions: AppOptions;
  try {
    config = loadConfig();
    // A game's own settings (loadSettings) fail here too, the same way.
    appOptions = typeof options === "function" ? options(config) : options;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tickwire: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const app = await createApp(config, appOptions);
  // A rejection nobody handled is logged and counted; it does not take the other rooms down.
  // (Exceptions inside a room are caught by the room itself: see EngineRoom.onUncaughtException.)
  process.on("unhandledRejection", (reason) => {
    app.metrics.unhandledRejections.inc();
    log.error("unhandled promise rejection", { err: reason });
  });

  const port = await app.listen();
  const shown = config.host === "0.0.0.0" ? "localhost" : config.host;
  const scheme = config.tls ? "https" : "http";
  log.info(`listening on ${scheme}://${shown}:${port}`, {
    transport: app.transport.kind,
    tickHz: config.tickHz,
    patchHz: config.patchHz,
    auth: config.auth ? "token" : "anonymous",
    cluster: config.redisUrl ? "redis" : "local",
  });
  if (config.anonymous && !config.production)
    log.info("auth: anonymous joins allowed (no AUTH_SECRET; development only)");
  if (config.anonymous && config.production)
    log.warn("auth: anonymous joins allowed in production (ALLOW_ANONYMOUS=1)");
  if (config.monitorPasswordGenerated) {
    // Printed once: set MONITOR_PASSWORD to keep a stable one.
    log.info(
      `monitor: ${scheme}://${shown}:${port}/monitor/ (live view: /monitor/tickwire/) user "${config.monitorUser}" password "${config.monitorPassword}" (generated for this run)`,
    );
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(
      `${signal} received: refusing new joins, closing clients with 4001, waiting up to ${config.shutdownTimeoutSeconds} s for rooms`,
    );
    app.close().then(
      (outcome) => {
        log.info(
          `shutdown ${outcome === "clean" ? "complete" : "timed out; rooms left unclosed were removed from the listing"}`,
        );
        process.exit(0);
      },
      (err) => {
        log.error("shutdown failed", { err });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return app;
}
