import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalServer } from "../../loadtest/src/localServer.ts";
import { runLoadtest as run } from "../helpers/loadtestCli.ts";

describe("npm run loadtest", () => {
  it("a short run against its own local server completes with zero failures and writes its JSON", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "tickwire-loadtest-"));
    try {
      const out = path.join(dir, "report.json");
      // Everyone in view, so that every bot holds the others of its room.
      const res = await run([
        "--clients",
        "6",
        "--rooms",
        "2",
        "--duration",
        "3",
        "--ramp",
        "1",
        "--server-env",
        "AOI_RADIUS=16384",
        "--out",
        out,
      ]);
      expect(res.out).toContain("Tickwire load test report");
      expect(res.code, res.out).toBe(0);
      const report = JSON.parse(await readFile(out, "utf8"));
      // rateLimited 0: the local server runs with the matchmaking limits off.
      expect(report.clients).toEqual({ joined: 6, failed: 0, unseated: 0, disconnects: 0, rateLimited: 0 });
      expect(report.rateLimitWaitMs.bots).toBe(0);
      expect(report.config).toMatchObject({ clients: 6, rooms: 2, roomsCreated: 2 });
      // At PATCH_HZ 20 every bot receives patches; figures are measured, not asserted for speed.
      expect(report.perClient.patchesPerSecond).toBeGreaterThan(0);
      expect(report.perClient.downstreamBytesPerSecond).toBeGreaterThan(0);
      expect(report.rttMs.samples).toBeGreaterThan(0);
      expect(report.serverTickMs.samples).toBeGreaterThan(0);
      expect(report.serverFlushMs.samples).toBeGreaterThan(0);
      expect(report.config.serverEnv).toMatchObject({ AOI_RADIUS: "16384", MAX_PLAYERS_PER_ROOM: "64" });
      // Three bots a room: past the ramp each holds itself and the two others.
      expect(report.playersHeld).toBeGreaterThan(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("exits non-zero when joins fail", async () => {
    // Nothing listens on port 9 (discard) on loopback: every join fails.
    const res = await run([
      "--endpoint",
      "ws://127.0.0.1:9",
      "--clients",
      "2",
      "--rooms",
      "1",
      "--duration",
      "1",
      "--ramp",
      "0",
      "--out",
      path.join(tmpdir(), `tw-fail-${process.pid}.json`),
    ]);
    expect(res.code).not.toBe(0);
    expect(res.out).toMatch(/FAILED|failed [1-9]/);
  }, 60_000);

  it("refuses bad flags with a clear message", async () => {
    const res = await run(["--clients", "many"]);
    expect(res.code).toBe(2);
    expect(res.out).toContain("--clients must be a whole number");
  });
});

// Against a server with the per-address matchmaking limits on (every bot comes from 127.0.0.1):
// the CLI's own server has them off, so each test starts one and points the CLI at it.
describe("npm run loadtest against a server with the matchmaking limits on", () => {
  /** Runs the CLI against a server started with `env`; returns its exit, output and JSON report. */
  async function runLimited(env: Record<string, string>, args: string[]) {
    const server = await startLocalServer(env);
    const dir = await mkdtemp(path.join(tmpdir(), "tickwire-loadtest-limits-"));
    try {
      const out = path.join(dir, "report.json");
      const res = await run(["--endpoint", server.endpoint, "--duration", "2", "--out", out, ...args]);
      return { ...res, report: JSON.parse(await readFile(out, "utf8")) };
    } finally {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("waits out the room-creation limit and creates every room asked for", async () => {
    // One room per 2 s: the second and third creators are told 429 and wait their turn.
    const res = await runLimited(
      { MATCHMAKE_CREATES_PER_WINDOW: "1", MATCHMAKE_CREATE_WINDOW_SECONDS: "2", MATCHMAKE_JOINS_PER_SECOND: "0" },
      ["--clients", "4", "--rooms", "3", "--ramp", "1"],
    );
    expect(res.code, res.out).toBe(0);
    expect(res.report.config).toMatchObject({ rooms: 3, roomsCreated: 3 });
    expect(res.report.clients).toMatchObject({ joined: 4, failed: 0, unseated: 0, disconnects: 0 });
    expect(res.report.clients.rateLimited).toBeGreaterThanOrEqual(2);
    expect(res.report.rateLimitWaitMs.bots).toBeGreaterThanOrEqual(2);
    expect(res.report.errors).toEqual([]);
    expect(res.out).toContain("the creator bots wait it out");
    expect(res.out).toMatch(/rate limited: \d+ seat requests got 429/);
  }, 90_000);

  it("fails plainly when fewer rooms than asked could be created", async () => {
    // One room an hour: the second creator is told to come back in 3,600 s, past the bots' limit.
    const res = await runLimited(
      { MATCHMAKE_CREATES_PER_WINDOW: "1", MATCHMAKE_CREATE_WINDOW_SECONDS: "3600", MATCHMAKE_JOINS_PER_SECOND: "0" },
      ["--clients", "3", "--rooms", "2", "--ramp", "0"],
    );
    expect(res.code, res.out).toBe(1);
    expect(res.report.config).toMatchObject({ rooms: 2, roomsCreated: 1 });
    expect(res.report.clients).toMatchObject({ joined: 2, failed: 1, unseated: 0 });
    expect(res.report.errors[0]).toBe("only 1 of 2 rooms could be created: the 1 bot to join them went to those 1");
    // The full bot read the wait from the SDK's error message, and gave up at once.
    expect(res.report.errors.join("\n")).toMatch(/still over the server's limits after 0 s .*told to retry in 3600 s/);
    expect(res.out).toContain("rooms: 1 of 2 created");
    expect(res.out).toContain("FAILED");
  }, 90_000);

  it("counts the bots still waiting out 429s when the run ends, so that every bot is accounted for", async () => {
    // One matchmaking request a second, ten joiners at once, a run of two seconds: most of them
    // are still waiting when it ends.
    const res = await runLimited({ MATCHMAKE_JOINS_PER_SECOND: "1", MATCHMAKE_CREATES_PER_WINDOW: "0" }, [
      "--clients",
      "11",
      "--rooms",
      "1",
      "--ramp",
      "0",
    ]);
    const c = res.report.clients;
    expect(res.code, res.out).toBe(1);
    expect(c.unseated).toBeGreaterThan(0);
    expect(c.joined + c.failed + c.unseated).toBe(11);
    expect(res.report.errors[0]).toMatch(
      new RegExp(`^${c.unseated} bots? never got a seat before the run ended \\(still waiting out the server's 429s`),
    );
  }, 90_000);
});
