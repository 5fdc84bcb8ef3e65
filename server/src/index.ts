import { loadConfig, ConfigError } from "./config.ts";
import { createApp } from "./app.ts";
import { createLogger } from "./observability/log.ts";

// Process entry: read config, compose, listen, and shut down cleanly on a signal.
const log = createLogger("server");

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`tickwire: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }

  const app = await createApp(config);
  const port = await app.listen();
  const shown = config.host === "0.0.0.0" ? "localhost" : config.host;
  log.info(`listening on http://${shown}:${port}`, { transport: app.transport.kind, tickHz: config.tickHz, patchHz: config.patchHz });
  if (config.monitorPasswordGenerated) {
    // Printed once: set MONITOR_PASSWORD to keep a stable one.
    log.info(`monitor: http://${shown}:${port}/monitor/ user "${config.monitorUser}" password "${config.monitorPassword}" (generated for this run)`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received, shutting down`);
    app.close().then(
      () => process.exit(0),
      (err) => {
        log.error("shutdown failed", { err });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err) => {
  log.error("failed to start", { err });
  process.exit(1);
});
