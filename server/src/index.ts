// The public API of @tickwire/server: serve games written on the engine.
import "./runtime/websocketGlobal.ts";

export { createApp, type App, type AppOptions } from "./app.ts";
export { runServer } from "./run.ts";
export { loadConfig, loadSettings, env, ConfigError, type Config } from "./config.ts";
export {
  defineGame,
  type Game,
  type GameDefinition,
  type GameContext,
  type PlayerInfo,
  type MessageHandler,
  type Validator,
  type CollectionKey,
} from "./engine/game.ts";
export type { CollectionInterest } from "./engine/interest.ts";
export { EntityHistory, type CollectionHistory, type PastEntity } from "./engine/history.ts";
export { Simulation, type SentMessage } from "./engine/core.ts";
export { createLogger, type Logger } from "./observability/log.ts";
