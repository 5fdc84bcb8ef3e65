// Plain line logs on stdout/stderr: `time level [tickwire:area] message {context}`.
// One logger per area so a reader can grep a subsystem.

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
let threshold: LogLevel = "info";

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export interface Logger {
  debug(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  error(msg: string, ctx?: Record<string, unknown>): void;
}

export function createLogger(area: string): Logger {
  const write = (level: LogLevel, msg: string, ctx?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const tail = ctx
      ? ` ${JSON.stringify(ctx, (_k, v) => (v instanceof Error ? { message: v.message, stack: v.stack } : v))}`
      : "";
    const line = `${new Date().toISOString()} ${level.toUpperCase()} [tickwire:${area}] ${msg}${tail}`;
    (level === "warn" || level === "error" ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return {
    debug: (m, c) => write("debug", m, c),
    info: (m, c) => write("info", m, c),
    warn: (m, c) => write("warn", m, c),
    error: (m, c) => write("error", m, c),
  };
}
