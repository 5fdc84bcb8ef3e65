import { describe, expect, it } from "vitest";
import { Predictor } from "@tickwire/client-sdk";

const DT = 1 / 30;
const TICK_MS = 1000 / 30;
/** Full speed, units per second. */
const SPEED = 320;

// A tiny game of the test's own: a body that accelerates towards the stick's direction, with
// friction (coming to rest), and turns to face where it is told.
type Body = {
  x: number;
  y: number;
  vx: number;
  vy: number;
  aim: number;
};
interface MoveIntent {
  moveX: number;
  moveY: number;
  aim: number;
}
function step(body: Body, intent: Readonly<MoveIntent>, dt: number): void {
  body.vx += (intent.moveX * SPEED - body.vx) * Math.min(1, 8 * dt);
  body.vy += (intent.moveY * SPEED - body.vy) * Math.min(1, 8 * dt);
  // Comes to rest, exactly, once slow with the stick let go.
  if (intent.moveX === 0 && intent.moveY === 0 && Math.hypot(body.vx, body.vy) < 5) body.vx = body.vy = 0;
  body.x += body.vx * dt;
  body.y += body.vy * dt;
  body.aim = intent.aim;
}
const start = (): Body => ({ x: 1000, y: 1000, vx: 0, vy: 0, aim: 0 });
const predictor = (opts: { maxPending?: number } = {}) =>
  new Predictor<Body, MoveIntent>({
    fields: ["x", "y", "vx", "vy", "aim"],
    position: ["x", "y"],
    step,
    dt: DT,
    teleportDistance: 200,
    ...opts,
  });

/**
 * A client and a server one-way `latency` ticks apart. The server steps one input per tick
 * (`serverIntent` may differ from what the client sent: a misprediction) and its state comes
 * back `latency` ticks later with the ack.
 */
function run(opts: {
  ticks: number;
  latency: number;
  intent: (tick: number) => MoveIntent;
  serverIntent?: (tick: number, sent: MoveIntent) => MoveIntent;
}) {
  const p = predictor();
  const server = start();
  p.reset(server);
  const toServer: Array<{ at: number; seq: number; intent: MoveIntent }> = [];
  const toClient: Array<{ at: number; body: Body; ack: number }> = [];
  const trace: Array<{
    tick: number;
    predicted: Body;
    server: Body;
    corrected: number;
    rendered: { x: number; y: number };
  }> = [];
  for (let tick = 1; tick <= opts.ticks; tick++) {
    const now = tick * TICK_MS;
    const intent = opts.intent(tick);
    p.applyInput(tick, intent);
    toServer.push({ at: tick + opts.latency, seq: tick, intent });
    // Server tick: one input if one has arrived.
    let ack = -1;
    while (toServer.length > 0 && toServer[0]!.at <= tick) {
      const input = toServer.shift()!;
      step(server, opts.serverIntent?.(input.seq, input.intent) ?? input.intent, DT);
      ack = input.seq;
    }
    if (ack >= 0) toClient.push({ at: tick + opts.latency, body: { ...server }, ack });
    let corrected = 0;
    while (toClient.length > 0 && toClient[0]!.at <= tick) {
      const s = toClient.shift()!;
      corrected = Math.max(corrected, p.reconcile(s.body, s.ack, true, now));
    }
    trace.push({
      tick,
      predicted: { ...p.body },
      server: { ...server },
      corrected,
      rendered: p.render(now, start()),
    });
  }
  return { predictor: p, server, trace };
}

describe("prediction and reconciliation", () => {
  it("an input moves the predicted body at once, before any server state", () => {
    const p = predictor();
    p.reset(start());
    p.applyInput(1, { moveX: 1, moveY: 0, aim: 0 });
    expect(p.body.x).toBeGreaterThan(1000);
    expect(p.pendingCount).toBe(1);
  });

  it("acknowledged inputs leave the pending list; the rest stay in order", () => {
    const p = predictor();
    p.reset(start());
    for (let seq = 1; seq <= 6; seq++) p.applyInput(seq, { moveX: 1, moveY: 0, aim: 0 });
    const server = start();
    for (let i = 0; i < 4; i++) step(server, { moveX: 1, moveY: 0, aim: 0 }, DT);
    p.reconcile(server, 4, true, 0);
    expect(p.pendingSeqs).toEqual([5, 6]);
    p.reconcile(server, 6, true, 0);
    expect(p.pendingCount).toBe(0);
  });

  it("past maxPending unacknowledged inputs, the oldest are dropped and counted", () => {
    const p = predictor({ maxPending: 8 });
    p.reset(start());
    for (let seq = 1; seq <= 20; seq++) p.applyInput(seq, { moveX: 1, moveY: 0, aim: 0 });
    expect(p.pendingCount).toBe(8);
    expect(p.overflowed).toBe(12);
    expect(p.pendingSeqs).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it("with the server agreeing, prediction never corrects and stays ahead of the server by the inputs in flight", () => {
    const { trace, predictor } = run({
      ticks: 90,
      latency: 5,
      intent: (t) => ({ moveX: t < 40 ? 1 : 0, moveY: t >= 60 ? 0 : t % 20 < 10 ? 1 : -1, aim: t / 10 }),
    });
    expect(Math.max(...trace.map((s) => s.corrected))).toBeLessThan(1e-9);
    expect(predictor.corrections).toBe(0);
    // Once the inputs stop changing and all are acknowledged, both agree.
    const last = trace.at(-1)!;
    expect(last.predicted.x).toBeCloseTo(last.server.x, 6);
  });

  it("converges after a misprediction (the server moved the player differently), smoothly", () => {
    // The server drops input 20 (as if it never arrived): the player is one step short.
    const { trace, predictor, server } = run({
      ticks: 120,
      latency: 5,
      intent: (t) => ({ moveX: t <= 60 ? 1 : 0, moveY: 0, aim: 0 }),
      serverIntent: (seq, sent) => (seq === 20 ? { moveX: -1, moveY: 0, aim: 0 } : sent),
    });
    const hit = trace.find((s) => s.corrected > 0.5)!;
    expect(hit, "a correction happened").toBeDefined();
    expect(predictor.corrections).toBeGreaterThanOrEqual(1);
    // Not snapped: on the correcting tick the drawn position is still near the old prediction.
    const before = trace[hit.tick - 2]!;
    expect(Math.abs(hit.rendered.x - hit.predicted.x)).toBeGreaterThan(hit.corrected * 0.5);
    expect(Math.abs(hit.rendered.x - before.rendered.x)).toBeLessThan(SPEED_STEP + 1);
    // In the end the prediction, what is drawn, and the server agree.
    const last = trace.at(-1)!;
    expect(last.predicted.x).toBeCloseTo(server.x, 6);
    expect(last.rendered.x).toBeCloseTo(server.x, 1);
  });

  it("a jump past the teleport distance (a respawn) is applied at once", () => {
    const p = predictor();
    p.reset(start());
    p.reconcile({ x: 3000, y: 3000, vx: 0, vy: 0, aim: 0 }, 0, true, 100);
    expect(p.render(100, start())).toMatchObject({ x: 3000, y: 3000 });
    expect(p.snaps).toBe(1);
    expect(p.corrections).toBe(0);
  });

  it("an inactive entity (a dead player) is not moved by its inputs, which are still consumed", () => {
    const p = predictor();
    p.reset(start(), false);
    p.applyInput(1, { moveX: 1, moveY: 0, aim: 1 });
    expect(p.body).toEqual(start());
    expect(p.pendingSeqs).toEqual([1]);
    // Active again (a respawn) before input 2: only input 2 is replayed on the server's body.
    p.applyInput(2, { moveX: 1, moveY: 0, aim: 1 });
    p.reconcile(start(), 1, true, 0);
    const once = start();
    step(once, { moveX: 1, moveY: 0, aim: 1 }, DT);
    expect(p.body).toEqual(once);
  });
});

/** Largest distance covered in one tick at full speed. */
const SPEED_STEP = SPEED / 30;
