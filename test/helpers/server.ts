import { afterAll, beforeAll } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalServer, type LocalServer } from "../../loadtest/src/localServer.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const MONITOR_USER = "admin";
export const MONITOR_PASSWORD = "test-monitor-password";

export interface RunningServer extends LocalServer {
  readonly wsUrl: string;
}

/** Env for tests that need every player in every client's view (their subject is not interest management). */
export const SEE_ALL = { AOI_RADIUS: "16384" } as const;

/**
 * Boots the real server process on a free port with test monitor credentials, and the
 * matchmaking limits off unless `env` sets them (the tests' clients all come from 127.0.0.1).
 */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const server = await startLocalServer({ MONITOR_USER, MONITOR_PASSWORD, ...env });
  return Object.assign(server, { wsUrl: server.endpoint });
}

/**
 * Runs the server entry point for a start-up that is expected to fail: resolves with its exit
 * code and everything it printed (killed after 20 s if it keeps running).
 */
export function runServerToExit(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=tickwire-source", "--import", "tsx", "examples/serve.ts"], {
      cwd: ROOT,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("exit", (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    });
  });
}

/** Reads one sample of a Prometheus metric from `/metrics` (0 when absent). */
export async function metricValue(server: RunningServer, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** The monitor's room view (`/monitor/api/room`), as the dashboard reads it. */
export async function inspectRoom(server: RunningServer, roomId: string): Promise<any> {
  const auth = `Basic ${Buffer.from(`${MONITOR_USER}:${MONITOR_PASSWORD}`).toString("base64")}`;
  const res = await fetch(`${server.httpUrl}/monitor/api/room?roomId=${roomId}`, { headers: { authorization: auth } });
  return res.json();
}

/**
 * Boots a server for the enclosing file (or `describe`) and, when it ends, leaves every
 * connection handed to `keep` and stops the server.
 */
export function useServer(env: Record<string, string> = {}) {
  let server: RunningServer | undefined;
  const open: Array<{ leave(): Promise<unknown> }> = [];
  beforeAll(async () => {
    server = await startServer(env);
  });
  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.leave()));
    await server?.stop();
  });
  return {
    get server(): RunningServer {
      if (!server) throw new Error("the server is not up yet (use it inside a test or hook)");
      return server;
    },
    keep(...conns: Array<{ leave(): Promise<unknown> }>): void {
      open.push(...conns);
    },
  };
}
