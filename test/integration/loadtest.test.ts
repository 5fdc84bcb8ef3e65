import { describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
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
      expect(report.clients).toEqual({ joined: 6, failed: 0, disconnects: 0, rateLimited: 0 });
      expect(report.config).toMatchObject({ clients: 6, rooms: 2 });
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
