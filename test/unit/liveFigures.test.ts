import { describe, expect, it } from "vitest";
import { quantileOf, quantileSince, RECENT_SAMPLES, RecentSamples } from "../../server/src/observability/recent.ts";
import { UnreliableChannel } from "../../server/src/transport/unreliable/channel.ts";
import { DepartedTraffic } from "../../server/src/observability/liveView.ts";
import type { Client } from "@colyseus/core";

// The figures the monitor's live view reads: a room's latest timings and a client's jitter.

describe("RecentSamples", () => {
  it("answers quantiles of the latest samples only, nearest rank", () => {
    const s = new RecentSamples();
    expect(s.quantile(0.99)).toBeUndefined();
    for (let i = 1; i <= 100; i++) s.add(i);
    expect(s.quantile(0.5)).toBe(50);
    expect(s.quantile(0.99)).toBe(99);
    expect(s.quantile(1)).toBe(100);
    // A full ring forgets the oldest: after RECENT_SAMPLES more of 1000, only those remain.
    for (let i = 0; i < RECENT_SAMPLES; i++) s.add(1000);
    expect(s.count).toBe(RECENT_SAMPLES);
    expect(s.quantile(0)).toBe(1000);
  });

  it("takes quantiles over several rooms' samples together", () => {
    const quiet = new RecentSamples();
    const busy = new RecentSamples();
    for (let i = 0; i < 99; i++) quiet.add(1);
    busy.add(50);
    // One slow step in 100 across the process: p99 is the quiet value, the max is the slow one.
    expect(quantileOf([quiet, busy], 0.5, 0.99, 1)).toEqual([1, 1, 50]);
    expect(quantileOf([], 0.5)).toEqual([undefined]);
  });
});

describe("the process's timed samples", () => {
  it("leave out samples older than asked, so a process whose rooms are gone shows none", () => {
    const s = new RecentSamples(16, true);
    s.add(5);
    s.add(7);
    const before = performance.now() - 1;
    expect(quantileSince([s], before, 0.5, 1)).toEqual([5, 7]);
    expect(quantileSince([s], performance.now() + 1, 0.5)).toEqual([undefined]);
    // An untimed ring ignores the time: every sample counts.
    const untimed = new RecentSamples(16);
    untimed.add(3);
    expect(quantileSince([untimed], performance.now() + 1, 0.5)).toEqual([3]);
  });
});

describe("a client's jitter", () => {
  function channel() {
    return new UnreliableChannel(
      { bufferedAmount: () => 0, send() {} },
      { backlogThresholdBytes: 0, maxFramesInFlight: 64 },
      { sent() {}, dropped() {} },
    );
  }
  /** Sends a frame at `at` and acknowledges it `rtt` ms later; returns the time after. */
  const roundTrip = (c: UnreliableChannel, seq: number, at: number, rtt: number) => {
    c.send(new Uint8Array(8), false, at);
    c.onAck(seq, 0, at + rtt);
    return at + 40;
  };

  it("is 0 on a steady round trip and grows with a wobbling one", () => {
    const steady = channel();
    let t = 0;
    for (let seq = 1; seq <= 50; seq++) t = roundTrip(steady, seq, t, 20);
    expect(steady.stats(t).jitterMs).toBe(0);

    const wobbly = channel();
    t = 0;
    for (let seq = 1; seq <= 50; seq++) t = roundTrip(wobbly, seq, t, seq % 2 ? 10 : 30);
    // Each sample moves 20 ms from the previous: the running mean approaches 20.
    expect(wobbly.stats(t).jitterMs).toBeGreaterThan(15);
    expect(wobbly.stats(t).jitterMs).toBeLessThanOrEqual(20);
  });

  it("is unknown before two round trips, and counts the bytes sent", () => {
    const c = channel();
    expect(c.stats(0).jitterMs).toBeUndefined();
    roundTrip(c, 1, 0, 20);
    expect(c.stats(50).jitterMs).toBeUndefined();
    c.bytesSent += 100;
    expect(c.stats(50).bytesSent).toBe(100);
  });
});

describe("a room's departed traffic", () => {
  it("adds each channel once, so a client that drops and then leaves counts once", () => {
    const channel = new UnreliableChannel(
      { bufferedAmount: () => 0, send() {} },
      { backlogThresholdBytes: 0, maxFramesInFlight: 64 },
      { sent() {}, dropped() {} },
    );
    channel.bytesSent = 500;
    channel.drop("window");
    const client = { sessionId: "a", channel } as unknown as Client;
    const departed = new DepartedTraffic();
    expect(departed.has(channel)).toBe(false);
    departed.add(client);
    departed.add(client);
    expect([departed.bytesSent, departed.framesDropped]).toEqual([500, 1]);
    expect(departed.has(channel)).toBe(true);
    // A client without a channel (a stock transport) adds nothing.
    departed.add({ sessionId: "b" } as unknown as Client);
    expect(departed.bytesSent).toBe(500);
  });
});
