import { describe, expect, it } from "vitest";
import { MatchmakingLimits } from "../../server/src/http/matchmakingLimits.ts";
import { runInRequest } from "../../server/src/transport/requestScope.ts";
import { MAX_RATE_LIMIT_WAIT_MS, RateLimitWaits, retryFromMessage } from "../../loadtest/src/rateLimitWait.ts";
import { joinerSpecs, roomsShortfall } from "../../loadtest/src/rooms.ts";
import { intervalCores } from "../../loadtest/src/timeline.ts";

// The load tester's handling of the server's 429s, stepped on a clock of the test's own, and
// the figures it derives: which wait a refusal asks for, when a bot gives up, what a join's
// time leaves out, what a shortfall of rooms says.

/** The server's own refusals, both limits, from its real MatchmakingLimits (the SDK passes the message on as is). */
async function serverRefusals(): Promise<{ join: string; create: string; createRetrySeconds: number }> {
  const limits = new MatchmakingLimits({
    joinsPerSecond: 1,
    createsPerWindow: 1,
    createWindowSeconds: 90,
    onRefused: () => {},
  });
  const path = "/matchmake/joinById/room1";
  expect(await limits.admit("POST", path, "198.51.100.1")).toBeUndefined();
  const join = await limits.admit("POST", path, "198.51.100.1");
  // One room created from 198.51.100.2 (charged as the matchmaker picks its process), then a
  // create from there is over the budget.
  const select = limits.chargingCreations(async () => "process1");
  await runInRequest({ address: "198.51.100.2", refusal: undefined, finished: false }, () => select("arena", {}));
  const create = await limits.admit("POST", "/matchmake/create/arena", "198.51.100.2");
  expect(join?.limit).toBe("join");
  expect(create?.limit).toBe("room_create");
  return { join: join!.message, create: create!.message, createRetrySeconds: create!.retryAfterSeconds };
}

/** A clock and a sleep of the test's own: a wait moves the clock on by its length. */
function fakeTime() {
  const t = { now: 1000, slept: [] as number[] };
  return {
    t,
    now: () => t.now,
    sleep: async (ms: number) => {
      t.slept.push(ms);
      t.now += ms;
    },
    jitterMs: () => 250,
  };
}

describe("a full bot's reading of the server's 429 message", () => {
  it("finds the wait in the server's own wording of both limits", async () => {
    const { join, create, createRetrySeconds } = await serverRefusals();
    // Within its one-second window the join limit frees up in at most a second.
    expect(retryFromMessage(join)).toBe(1000);
    // Just charged: the whole 90 s window is left (Retry-After is whole seconds, rounded up).
    expect(createRetrySeconds).toBe(90);
    expect(retryFromMessage(create)).toBe(90_000);
  });

  it("finds none in a message without a wait", () => {
    expect(retryFromMessage("seat reservation expired")).toBeUndefined();
    expect(retryFromMessage("retry in soon s")).toBeUndefined();
  });
});

describe("RateLimitWaits", () => {
  it("waits what the server asks plus the jitter, counts each wait, and times the join from the last try", async () => {
    const time = fakeTime();
    const told: number[] = [];
    const waits = new RateLimitWaits({ ...time, onRateLimited: (ms) => told.push(ms) });
    time.t.now += 40; // the first request, refused
    await waits.wait(2000);
    time.t.now += 40; // the second, refused
    await waits.wait(3000);
    time.t.now += 75; // the third: a seat, then the handshake
    expect(time.t.slept).toEqual([2250, 3250]);
    expect(told).toEqual([2250, 3250]);
    expect(waits.waitedMs).toBe(5500);
    // Neither the waits nor the refused tries before them.
    expect(waits.sinceLastTry()).toBe(75);
  });

  it("gives up, without waiting, once a wait would take it past the limit, saying how long it waited", async () => {
    const time = fakeTime();
    const waits = new RateLimitWaits({ ...time, limitMs: 10_000 });
    await waits.wait(4000);
    await waits.wait(4000);
    await expect(waits.wait(2000)).rejects.toThrow(/still over the server's limits after 9 s .*at most 10 s in all/);
    expect(time.t.slept).toEqual([4250, 4250]);
    // The default is the one limit the coordinator also waits for its room creators.
    await expect(new RateLimitWaits(fakeTime()).wait(MAX_RATE_LIMIT_WAIT_MS)).rejects.toThrow(
      `at most ${MAX_RATE_LIMIT_WAIT_MS / 1000} s in all`,
    );
  });

  it("stops at the run's end: no wait after it, and no further try after a wait it ended during", async () => {
    const time = fakeTime();
    let stopped = false;
    const waits = new RateLimitWaits({
      ...time,
      stopped: () => stopped,
      sleep: async (ms) => {
        await time.sleep(ms);
        stopped = true; // the run ends during the wait
      },
    });
    await expect(waits.wait(1000)).rejects.toThrow("never got a seat before the run ended");
    expect(time.t.slept).toEqual([1250]);
    await expect(waits.wait(1000)).rejects.toThrow("never got a seat before the run ended");
    expect(time.t.slept).toEqual([1250]);
  });
});

describe("the run's rooms", () => {
  it("spreads the other bots over the rooms that exist, and says plainly when fewer could be created", () => {
    const specs = joinerSpecs(7, 3, ["a", "b"], 2);
    expect(specs.map((s) => s?.roomId)).toEqual(["a", "b", "a", "b"]);
    expect(specs.map((s) => s?.index)).toEqual([3, 4, 5, 6]);
    expect(specs.map((s) => s?.delayMs)).toEqual([0, 500, 1000, 1500]);
    expect(roomsShortfall(2, 3, 4)).toBe("only 2 of 3 rooms could be created: the 4 bots to join them went to those 2");
    expect(roomsShortfall(3, 3, 4)).toBeUndefined();
    expect(joinerSpecs(3, 1, [], 1)).toEqual([undefined, undefined]);
    expect(roomsShortfall(0, 1, 2)).toMatch(/^no room could be created/);
  });
});

describe("the server's CPU between two scrapes", () => {
  it("is null when the counter went back (a restart, another process behind a load balancer)", () => {
    expect(intervalCores(12, 10, 2)).toBe(1);
    expect(intervalCores(3, 10, 2)).toBeNull();
    expect(intervalCores(undefined, 10, 2)).toBeNull();
  });
});
