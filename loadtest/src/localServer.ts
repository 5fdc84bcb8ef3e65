import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The per-address matchmaking limits, turned off: tests and the load tester open many
 * connections from 127.0.0.1, and would trip them. A caller that wants them passes its own values.
 */
export const MATCHMAKING_LIMITS_OFF: Readonly<Record<string, string>> = {
  MATCHMAKE_JOINS_PER_SECOND: "0",
  MATCHMAKE_CREATES_PER_WINDOW: "0",
};

export interface LocalServer {
  readonly port: number;
  /** `ws://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** `http://127.0.0.1:<port>` */
  readonly httpUrl: string;
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real server entry point (`examples/serve.ts`) in a child process on a port the
 * OS picks (PORT=0), so it has its own core, and waits for its "listening" line. The
 * matchmaking limits are off unless `env` sets them (see MATCHMAKING_LIMITS_OFF).
 */
export async function startLocalServer(env: Record<string, string> = {}): Promise<LocalServer> {
  const child = spawn(process.execPath, ["--conditions=tickwire-source", "--import", "tsx", "examples/serve.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...MATCHMAKING_LIMITS_OFF, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${out}`)), 30_000);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    };
    child.once("exit", onExit);
    child.stdout!.on("data", function check() {
      // The host may be IPv6 (HOST=:: prints "http://:::<port>"): the port is after the last colon.
      const m = /listening on https?:\/\/\S*:(\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.stdout!.off("data", check);
      resolve(Number(m[1]));
    });
  });

  return {
    port,
    endpoint: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    child,
    output: () => out,
    stop: () => stopChild(child),
  };
}

export function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill("SIGTERM");
  });
}
