import { describe, expect, it } from "vitest";
import { createRng } from "@tickwire/shared";
import { AckWindow } from "../../server/src/transport/unreliable/window.ts";
import { AckWindow as ReferenceAckWindow } from "../helpers/ackWindowReference.ts";
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

  it("answers every call exactly as the earlier implementation did (test/helpers/ackWindowReference.ts)", () => {
    // Both windows get the same long seeded sequence of calls; every answer and the stats after
    // every step must be identical (Object.is: -0, NaN and undefined included).
    const caps = [1, 2, 4, 4, 4.5, 8, 32, 100, 1 << 30];
    for (let run = 0; run < caps.length; run++) {
      expect(driveBoth(1000 + run, caps[run]!, 20_000)).toBeUndefined();
    }
  });
});

/**
 * Drives the current AckWindow and the reference with the same seeded random calls: sends (when
 * allowed, now and then when not, and all of them while the client sends no acks, so records
 * pile up to the cap), acks of frames in flight, of frames already acknowledged and of invented
 * numbers, with and without held time, 16-bit sequence numbers that wrap, time steps from none to
 * jumps to or past FILTER_WINDOW_MS and PROBE_INTERVAL_MS (and now and then a step back), and
 * ramps of steadily slower acks of steadily larger frames (every filter keeps every sample).
 * Returns a description of the first difference, or undefined.
 */
function driveBoth(seed: number, maxFramesInFlight: number, steps: number): string | undefined {
  const rng = createRng(seed);
  const int = (min: number, max: number) => Math.floor(rng.range(min, max + 1));
  const current = new AckWindow({ maxFramesInFlight });
  const reference = new ReferenceAckWindow({ maxFramesInFlight });
  let now = int(0, 1000);
  // Starts just short of the wrap.
  let seq = 0xffff - int(0, 40);
  /** Recently sent sequence numbers, newest last. */
  const sent: number[] = [];
  /** Steps left in a ramp, and its current extra ack delay. */
  let ramp = 0;
  let rampDelay = 0;
  /** Steps left during which the client sends no acks (and gets every frame). */
  let silent = 0;

  const same = (what: string, a: unknown, b: unknown): string | undefined =>
    Object.is(a, b) ? undefined : `${what}: ${String(a)} (current) vs ${String(b)} (reference)`;

  const send = (bytes: number): void => {
    seq = (seq + 1) & 0xffff;
    current.onSent(seq, bytes, now);
    reference.onSent(seq, bytes, now);
    sent.push(seq);
    if (sent.length > 64) sent.shift();
  };

  for (let step = 0; step < steps; step++) {
    const at = `seed ${seed}, cap ${maxFramesInFlight}, step ${step}`;
    let diff: string | undefined;
    if (ramp > 0) {
      // A frame goes out, and its ack comes a little later than the previous one's.
      ramp--;
      diff = same(`${at} canSend`, current.canSend(now), reference.canSend(now));
      send(100 + (500 - ramp));
      rampDelay += 0.05;
      now += 1 + rampDelay;
      diff ??= same(`${at} onAck`, current.onAck(seq, 0, now), reference.onAck(seq, 0, now));
      now += 1;
    } else {
      const r = rng.next();
      if (r < 0.4) {
        const allowed = current.canSend(now);
        diff = same(`${at} canSend`, allowed, reference.canSend(now));
        // A client that sends no acks gets its frames whatever the window says (the channel
        // asks the window only once a client acknowledges); others now and then too.
        if (allowed || silent > 0 || rng.next() < 0.1) {
          const kind = rng.next();
          send(kind < 0.9 ? int(20, 1500) : kind < 0.97 ? int(2000, 20_000) : rng.range(1, 100));
        }
      } else if (r < 0.75 && silent === 0) {
        const kind = rng.next();
        let target: number;
        if (kind < 0.7 && sent.length > 0) {
          // Mostly a frame still in flight, now and then one already acknowledged.
          const back = int(0, Math.min(sent.length - 1, current.framesInFlight + 2));
          target = sent[sent.length - 1 - back]!;
        } else if (kind < 0.9) target = int(0, 0xffff);
        else target = [-1, 0x10000, 70_000, 0.5][int(0, 3)]!;
        const h = rng.next();
        const held = h < 0.4 ? 0 : h < 0.6 ? int(1, 30) : h < 0.9 ? rng.range(0, 30) : rng.range(0, 2000);
        diff = same(`${at} onAck(${target})`, current.onAck(target, held, now), reference.onAck(target, held, now));
      } else if (r < 0.8) {
        diff = same(`${at} windowBytes`, current.windowBytes(now), reference.windowBytes(now));
      } else if (r < 0.802) {
        ramp = int(200, 500);
        rampDelay = 0;
      } else if (r < 0.804) {
        silent = int(20, 400);
      }
      if (silent > 0) silent--;
      // The clock: mostly small steps (whole ms or not), now and then a jump to or past the
      // filters' window or the probe interval, rarely a step back.
      const t = rng.next();
      if (t < 0.3) now += 0;
      else if (t < 0.6) now += int(1, 40);
      else if (t < 0.85) now += rng.range(0, 40);
      else if (t < 0.93) now += int(40, 500);
      else if (t < 0.96) now += rng.next() < 0.5 ? 10_000 : int(10_001, 15_000);
      else if (t < 0.98) now += rng.next() < 0.5 ? 60_000 : rng.range(60_000, 70_000);
      else if (t < 0.99) now += int(1000, 9999);
      else now -= rng.range(0, 5);
    }
    diff ??= same(`${at} framesInFlight`, current.framesInFlight, reference.framesInFlight);
    if (diff) return diff;
    const a = current.stats(now);
    const b = reference.stats(now);
    for (const key of Object.keys(b) as Array<keyof typeof b>) {
      diff ??= same(`${at} stats.${key}`, a[key], b[key]);
    }
    diff ??= same(`${at} stats keys`, Object.keys(a).join(), Object.keys(b).join());
    if (diff) return diff;
  }
  return undefined;
}
