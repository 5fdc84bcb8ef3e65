import { describe, expect, it } from "vitest";
import { AckWindow } from "../../server/src/transport/unreliable/window.ts";
import { simulate, quantile } from "../helpers/linkSim.ts";

// The window runs against a simulated link with explicit time: figures here are outcomes of the
// policy (frames in flight, frames delivered, simulated delays), not wall-clock measurements.

const FLUSH_MS = 1000 / 30;

describe("AckWindow on a simulated link", () => {
  it("keeps one frame in flight on a link slower than the flush rate (no queue forms)", () => {
    // 64 kbit/s = 8 bytes/ms; a 700-byte frame takes 87.5 ms to cross, three flush intervals.
    const r = simulate({ bytesPerMs: 8, delayMs: 0.5 }, 700, FLUSH_MS, 60_000);
    const steady = r.staleness.slice(20);
    // One frame's transmission time plus the path delay, the physical limit.
    expect(quantile(steady, 0.99)).toBeLessThanOrEqual(700 / 8 + 0.5 + 1e-6);
    expect(r.maxInFlight).toBeLessThanOrEqual(2);
    // The link carries at most 8 bytes/ms / 700 bytes = 11.4 frames/s; a new frame waits for
    // the next flush after an acknowledgement, so about 10 go through.
    expect(r.delivered / 60).toBeGreaterThan(9);
  });

  it("sends nothing into a busy slow link when a large frame (a keyframe) takes longer to cross than the small ones", () => {
    // 64 kbit/s: 60-byte deltas cross in 7.5 ms, a 1000-byte keyframe every 30th flush in 125 ms.
    // Its ack is late by the small frames' standard but not by the link's: nothing may follow it.
    const r = simulate({ bytesPerMs: 8, delayMs: 0.5 }, (n) => (n % 30 === 0 ? 1000 : 60), FLUSH_MS, 60_000);
    expect(r.queued).toBeLessThanOrEqual(5);
    expect(quantile(r.staleness.slice(30), 0.99)).toBeLessThanOrEqual(1000 / 8 + 60 / 8 + 0.5 + 1e-6);
  });

  it("delivers every flush over an uncongested path with a 100 ms round trip (no starvation)", () => {
    const r = simulate({ bytesPerMs: 10_000, delayMs: 50 }, 700, FLUSH_MS, 60_000);
    // A fixed one-frame window would deliver one frame per 100 ms; the window opens to cover the RTT.
    expect(r.offered - r.delivered).toBeLessThanOrEqual(5);
    expect(quantile(r.staleness, 0.99)).toBeCloseTo(50, 0);
  });

  it("opens wide enough for a 300 ms round trip", () => {
    const r = simulate({ bytesPerMs: 10_000, delayMs: 150 }, 700, FLUSH_MS, 60_000);
    expect(r.delivered / r.offered).toBeGreaterThan(0.98);
    expect(r.maxInFlight).toBeGreaterThanOrEqual(9);
  });

  it("gives a client that holds its acks (no input to ride on) every flush over a fast path, late acks included", () => {
    // Bare acks wait 20 ms of the 33 ms between flushes; now and then one comes 15 ms later
    // still (a busy client or server process). Nothing queues on this path: no flush may be lost.
    const late = new Set([30, 90, 150, 400, 900]);
    const r = simulate({ bytesPerMs: 10_000, delayMs: 0.15 }, 60, FLUSH_MS, 60_000, 32, {
      holdMs: 20,
      lateBy: (seq) => (late.has(seq) ? 15 : 0),
    });
    expect(r.offered - r.sent).toBe(0);
    expect(r.maxInFlight).toBeLessThanOrEqual(2);
  });

  it("ignores acknowledgements for frames it never sent or already counted", () => {
    const w = new AckWindow({ maxFramesInFlight: 8 });
    w.onSent(1, 500, 0);
    w.onSent(2, 500, 10);
    expect(w.onAck(7, 0, 20)).toBe(false);
    expect(w.framesInFlight).toBe(2);
    expect(w.onAck(1, 0, 20)).toBe(true);
    expect(w.onAck(1, 0, 21)).toBe(false);
    expect(w.framesInFlight).toBe(1);
    // A cumulative ack takes everything up to it.
    w.onSent(3, 500, 30);
    expect(w.onAck(3, 0, 40)).toBe(true);
    expect(w.framesInFlight).toBe(0);
  });

  it("never has more than maxFramesInFlight frames outstanding, acknowledged or not", () => {
    const w = new AckWindow({ maxFramesInFlight: 4 });
    for (let seq = 1; seq <= 100; seq++) {
      if (w.canSend(seq)) w.onSent(seq, 100, seq);
      expect(w.framesInFlight).toBeLessThanOrEqual(4);
    }
    // Records of a client that never acknowledges are bounded too.
    const silent = new AckWindow({ maxFramesInFlight: 4 });
    for (let seq = 1; seq <= 100; seq++) silent.onSent(seq, 100, seq);
    expect(silent.framesInFlight).toBe(4);
    expect(silent.stats(100).bytesInFlight).toBe(400);
  });

  it("subtracts the time the client held its acknowledgement from the round trip", () => {
    const w = new AckWindow({ maxFramesInFlight: 8 });
    w.onSent(1, 100, 0);
    w.onAck(1, 30, 50);
    expect(w.stats(50).minRttMs).toBe(20);
  });
});
