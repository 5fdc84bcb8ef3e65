import { describe, expect, it } from "vitest";
import { createRng } from "@tickwire/shared";
import { SnapshotBuffer, ServerClock, lerpAngle, type Pose } from "@tickwire/client-sdk";

const TICK_S = 1 / 30;
/** Columns: x, y, vx, vy, aim (an angle). */
const MOVER = { columns: 5, position: [0, 1], velocity: [2, 3], angles: [4] } as const;
const pose = (): Pose => ({ values: [], extrapolated: false });
const buffer = () =>
  new SnapshotBuffer({ ...MOVER, tickSeconds: TICK_S, maxExtrapolationTicks: 2, teleportDistance: 200 });
/** The pose as named fields. */
const named = (p: Pose) => ({ x: p.values[0]!, y: p.values[1]!, aim: p.values[4]!, extrapolated: p.extrapolated });

describe("snapshot interpolation", () => {
  it("returns positions between the snapshots around the rendered tick", () => {
    const b = buffer();
    b.push(10, [100, 200, 300, 0, 0]);
    b.push(12, [120, 200, 300, 0, 0]);
    const p = pose();
    b.sample(11, p);
    expect(named(p)).toMatchObject({ x: 110, y: 200, extrapolated: false });
    b.sample(11.5, p);
    expect(p.values[0]).toBeCloseTo(115, 9);
  });

  it("never runs backwards in time: an older tick renders as the newest already shown", () => {
    const b = buffer();
    b.push(10, [100, 0, 0, 0, 0]);
    b.push(11, [110, 0, 0, 0, 0]);
    b.push(12, [120, 0, 0, 0, 0]);
    const p = pose();
    b.sample(11.5, p);
    expect(p.values[0]).toBeCloseTo(115, 9);
    b.sample(10.2, p);
    expect(p.values[0]).toBeCloseTo(115, 9);
    b.sample(11.8, p);
    expect(p.values[0]).toBeCloseTo(118, 9);
  });

  it("ignores a snapshot older than (or as old as) the newest held", () => {
    const b = buffer();
    expect(b.push(10, [100, 0, 0, 0, 0])).toBe(true);
    expect(b.push(12, [120, 0, 0, 0, 0])).toBe(true);
    expect(b.push(11, [999, 0, 0, 0, 0])).toBe(false);
    expect(b.push(12, [999, 0, 0, 0, 0])).toBe(false);
    const p = pose();
    b.sample(11, p);
    expect(p.values[0]).toBe(110);
    expect(b.newestTick).toBe(12);
  });

  it("extrapolates along the newest velocity for a capped time when a frame is late, then holds", () => {
    const b = buffer();
    b.push(10, [100, 0, 300, 0, 0]);
    const p = pose();
    b.sample(11, p);
    expect(p.values[0]).toBeCloseTo(110, 9);
    expect(p.extrapolated).toBe(true);
    b.sample(20, p);
    expect(p.values[0]).toBeCloseTo(120, 9); // capped at 2 ticks
  });

  it("does not slide across a teleport (a respawn)", () => {
    const b = buffer();
    b.push(10, [100, 100, 0, 0, 0]);
    b.push(11, [3000, 3000, 0, 0, 0]);
    const p = pose();
    b.sample(10.9, p);
    expect(named(p)).toMatchObject({ x: 100, y: 100 });
    b.sample(11, p);
    expect(named(p)).toMatchObject({ x: 3000, y: 3000 });
  });

  it("interpolates the aim the short way round", () => {
    expect(lerpAngle(6.2, 0.1, 0.5)).toBeCloseTo((6.2 + 0.1 + 2 * Math.PI) / 2, 9);
    expect(lerpAngle(0.1, 6.2, 0.5) % (2 * Math.PI)).toBeCloseTo((0.1 + 6.2 - 2 * Math.PI) / 2, 9);
  });

  it("any layout: without a velocity a late frame holds the newest sample; other columns interpolate linearly", () => {
    // Columns: glow, x, y, spin (an angle): the position need not come first.
    const b = new SnapshotBuffer({
      columns: 4,
      position: [1, 2],
      angles: [3],
      tickSeconds: TICK_S,
      teleportDistance: 200,
    });
    b.push(10, [0, 100, 0, 6.2]);
    b.push(12, [1, 120, 10, 0.1]);
    const p = pose();
    b.sample(11, p);
    expect(p.values[0]).toBeCloseTo(0.5, 9);
    expect(p.values[1]).toBeCloseTo(110, 9);
    expect(p.values[2]).toBeCloseTo(5, 9);
    expect(p.values[3]).toBeCloseTo((6.2 + 0.1 + 2 * Math.PI) / 2, 9);
    b.sample(13, p);
    expect(p.values).toEqual([1, 120, 10, 0.1]);
    expect(p.extrapolated).toBe(true);
    expect(b.last(1)).toBe(120);
  });

  it("keeps the newest samples when full", () => {
    const b = new SnapshotBuffer({ ...MOVER, tickSeconds: TICK_S, capacity: 4, teleportDistance: 200 });
    for (let t = 1; t <= 10; t++) b.push(t, [t * 10, 0, 0, 0, 0]);
    expect(b.size).toBe(4);
    const p = pose();
    b.sample(8.5, p);
    expect(p.values[0]).toBeCloseTo(85, 9);
    b.sample(1, p); // before everything held, and before what was shown: no going back
    expect(p.values[0]).toBeCloseTo(85, 9);
  });
});

describe("server clock", () => {
  it("pins the average arrival of each tick's frame, smoothing jitter, and estimates jitter", () => {
    const clock = new ServerClock(30);
    const tickMs = 1000 / 30;
    // Frames leave the server every tick and take 40 ms plus 0..30 ms of queueing (55 ms on average).
    const rand = createRng(7).next;
    for (let tick = 100; tick < 400; tick++) clock.observe(tick, (tick - 100) * tickMs + 40 + rand() * 30 + 5000);
    // 55 ms after tick 399 left, its frame has typically just arrived.
    const at = (399 - 100) * tickMs + 5000 + 55;
    expect(clock.arrivalTick(at)).toBeGreaterThan(399 - 8 / tickMs);
    expect(clock.arrivalTick(at)).toBeLessThan(399 + 8 / tickMs);
    expect(clock.jitterMs).toBeGreaterThan(3);
    expect(clock.jitterMs).toBeLessThan(30);
    clock.observeRtt(80);
    expect(clock.serverTick(at) - clock.arrivalTick(at)).toBeCloseTo(40 / tickMs, 6);
  });

  it("runs forward smoothly when the average moves, and re-seats only after a run of far-off frames", () => {
    const clock = new ServerClock(30, { gain: 1 / 2 });
    const tickMs = 1000 / 30;
    clock.observe(100, 1000);
    clock.observe(101, 1000 + tickMs);
    const a = clock.arrivalTick(1000 + tickMs);
    // A frame shows the path got 80 ms shorter: the timeline speeds up by at most 5%.
    clock.observe(102, 1000 + 2 * tickMs - 80);
    const b = clock.arrivalTick(1000 + tickMs + 100);
    expect(b - a).toBeGreaterThan(100 / tickMs);
    expect(b - a).toBeLessThanOrEqual((100 * 1.05) / tickMs + 1e-9);
    // A stall: frames stamped 2 s ahead of the timeline. One or two are ignored; the third re-seats it.
    const t = 1000 + tickMs + 100;
    clock.observe(200, t);
    clock.observe(201, t + 1);
    expect(clock.arrivalTick(t + 1)).toBeLessThan(110);
    clock.observe(202, t + 2);
    expect(clock.arrivalTick(t + 2)).toBeCloseTo(202, 6);
  });
});
