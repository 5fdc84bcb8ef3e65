import { describe, expect, it } from "vitest";
import { joinArena, TickwireClient } from "@tickwire/example-arena/client";
import { runServerToExit as runServer, startServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

describe("server start-up", () => {
  it.each([
    ["TICK_HZ", "fast"],
    ["PORT", "99999"],
    ["MAX_PLAYERS_PER_ROOM", "0"],
    // A game's own setting (the arena's, read by examples/serve.ts with loadSettings).
    ["AOI_RADIUS", "12.5"],
  ])("stops with exit code 2 and names %s when it is invalid", async (key, value) => {
    const { code, out } = await runServer({ [key]: value });
    expect(code).toBe(2);
    expect(out).toContain(`${key}=`);
    expect(out).not.toContain("listening on");
  });

  it.each([
    ["production without AUTH_SECRET", { NODE_ENV: "production" }, "AUTH_SECRET"],
    [
      "DEV_TOKENS in production",
      { NODE_ENV: "production", AUTH_SECRET: "x".repeat(32), DEV_TOKENS: "1" },
      "DEV_TOKENS",
    ],
    [
      "FAULT_INJECTION in production",
      { NODE_ENV: "production", ALLOW_ANONYMOUS: "1", FAULT_INJECTION: "1" },
      "FAULT_INJECTION",
    ],
    ["a short AUTH_SECRET", { AUTH_SECRET: "short" }, "AUTH_SECRET"],
    [
      "a TLS key file that does not exist",
      { TLS_KEY_FILE: "/nonexistent/key.pem", TLS_CERT_FILE: "/nonexistent/cert.pem" },
      "TLS_KEY_FILE",
    ],
    ["a TLS key without a certificate", { TLS_KEY_FILE: "/etc/hostname" }, "TLS_CERT_FILE"],
  ])("refuses to start with %s (exit 2, names the variable)", async (_what, env, key) => {
    const { code, out } = await runServer(env);
    expect(code).toBe(2);
    expect(out).toContain(key);
    expect(out).not.toContain("listening on");
    // Secrets are never echoed.
    expect(out).not.toContain('short"');
  });

  it("starts in production without AUTH_SECRET only with ALLOW_ANONYMOUS=1, and says so", async () => {
    const server = await startServer({ NODE_ENV: "production", ALLOW_ANONYMOUS: "1" });
    try {
      const health = await (await fetch(`${server.httpUrl}/healthz`)).json();
      expect(health.auth).toBe("anonymous");
      await waitFor(() => server.output().includes("anonymous joins allowed in production"), "the warning line");
    } finally {
      await server.stop();
    }
  });

  it("stops with a clear error when REDIS_URL does not answer", async () => {
    const { code, out } = await runServer({ REDIS_URL: "redis://127.0.0.1:1", PUBLIC_ADDRESS: "127.0.0.1:1" });
    expect(code).toBe(1);
    expect(out).toMatch(/REDIS_URL=redis:\/\/127\.0\.0\.1:1: Redis does not answer/);
  });

  it("falls back to the ws transport, with one log line saying why, when the native uWS binding is missing", async () => {
    // UWS_USE_FALLBACK=1 makes the probe find no native binding, as on a machine where none
    // fits. (The selection is the subject: TRANSPORT=ws in the suite's environment must not preempt it.)
    const server = await startServer({
      UWS_USE_FALLBACK: "1",
      TRANSPORT: "auto",
      MONITOR_PASSWORD: "fallback-password",
    });
    try {
      const health = await (await fetch(`${server.httpUrl}/healthz`)).json();
      expect(health.transport).toBe("ws");
      // The warning goes to stderr, which may arrive after the stdout "listening" line.
      await waitFor(() => server.output().includes("falling back to ws"), "fallback log line");
      expect(server.output().match(/falling back to ws/g)).toHaveLength(1);
      // And the game still works on it.
      const arena = await joinArena(new TickwireClient(server.wsUrl), { name: "fallback" });
      await waitFor(() => arena.state.tick > 2, "ticks on the ws transport");
      await arena.leave();
    } finally {
      await server.stop();
    }
  });

  it("prints a generated monitor password once when none is configured, and exits 0 on SIGTERM", async () => {
    const server = await startServer({ MONITOR_PASSWORD: "" });
    // Printed right after the listening line, possibly in a later chunk of stdout.
    const m = await waitFor(
      () => /user "admin" password "([^"]+)" \(generated for this run\)/.exec(server.output()),
      "generated password line",
    );
    const auth = { authorization: `Basic ${btoa(`admin:${m![1]}`)}` };
    expect((await fetch(`${server.httpUrl}/monitor/api`, { headers: auth })).status).toBe(200);
    expect((await fetch(`${server.httpUrl}/monitor/api`)).status).toBe(401);
    expect(await server.stop()).toBe(0);
  });
});
