import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ClientState, type Client } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { defineGame, Simulation } from "@tickwire/server";
import { createRng, type Rng } from "@tickwire/shared";
import { type ArenaState, OpenArenaState, Buttons, type PlayerInput } from "@tickwire/example-arena/shared";
import { arenaGame, type WorldInput } from "@tickwire/example-arena/server";
import { EngineSerializer, UnreliableChannel, UnreliableFlusher } from "@tickwire/server/internals";

// npm run bench:encode: what one room's server spends per tick to simulate and encode for its
// clients, and what each client receives, with every player moving, for
//   (a) no interest management: every client holds every player (one encode for all);
//   (b) interest management on Colyseus' stock StateView: one view per client, encoded per view;
//   (c) Tickwire's interest management: the same views, fast fields in composed frames.
// The room is the engine's own code (the arena run by the engine's Simulation, its
// InterestManager, the room's serializer, the unreliable flush) run in-process on simulated clients whose sockets count bytes, so that the
// figures are the server's alone. One process, one core, run one after another.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

const { values: flags } = parseArgs({
  options: {
    players: { type: "string", default: "50,100,200" },
    ticks: { type: "string", default: "600" },
    warmup: { type: "string", default: "150" },
    "tick-hz": { type: "string", default: "30" },
    "patch-hz": { type: "string", default: "20" },
    world: { type: "string", default: "4000" },
    radius: { type: "string", default: "1200" },
    hysteresis: { type: "string", default: "100" },
    "far-interval": { type: "string", default: "2" },
    modes: { type: "string", default: "a,b,c" },
    out: { type: "string" },
  },
});
const counts = flags.players.split(",").map(Number);
const TICKS = Number(flags.ticks);
const WARMUP = Number(flags.warmup);
const TICK_HZ = Number(flags["tick-hz"]);
const PATCH_HZ = Number(flags["patch-hz"]);
const WORLD = Number(flags.world);
const RADIUS = Number(flags.radius);
const HYSTERESIS = Number(flags.hysteresis);
const FAR_INTERVAL = Number(flags["far-interval"]);

type Mode = "a" | "b" | "c";
const MODES: Record<Mode, string> = {
  a: "no interest management",
  b: "stock StateView per client",
  c: "Tickwire interest management",
};

/** A simulated client: Colyseus sees a joined client; its sockets only count bytes. */
function simulatedClient(sessionId: string) {
  const counted = { reliable: 0, unreliable: 0 };
  const socket = {
    bufferedAmount: () => 0,
    send: (f: Uint8Array) => {
      counted.unreliable += f.byteLength;
    },
  };
  const channel = new UnreliableChannel(
    socket,
    { backlogThresholdBytes: 0, maxFramesInFlight: 1 << 30 },
    { sent() {}, dropped() {} },
  );
  const client = {
    sessionId,
    state: ClientState.JOINED,
    view: undefined as StateView | undefined,
    channel,
    raw(data: Uint8Array) {
      counted.reliable += data.byteLength;
    },
  };
  return { client: client as unknown as Client, counted };
}

/** A bot: heads somewhere, turns now and then (and away from walls), fires about once a second. */
class Bot {
  #heading: number;
  #turnAt = 0;
  #seq = 0;
  constructor(readonly rng: Rng) {
    this.#heading = rng.range(0, Math.PI * 2);
  }

  input(tick: number, x: number, y: number): WorldInput & { seq: number } {
    if (tick >= this.#turnAt || x < 100 || y < 100 || x > WORLD - 100 || y > WORLD - 100) {
      const toCentre = Math.atan2(WORLD / 2 - y, WORLD / 2 - x);
      this.#heading =
        x < 100 || y < 100 || x > WORLD - 100 || y > WORLD - 100 ? toCentre : this.rng.range(0, Math.PI * 2);
      this.#turnAt = tick + Math.round(this.rng.range(1, 3) * TICK_HZ);
    }
    const aim = this.#heading + this.rng.range(-0.3, 0.3);
    const fire = this.rng.next() < 1 / TICK_HZ;
    return {
      seq: ++this.#seq,
      moveX: Math.cos(this.#heading),
      moveY: Math.sin(this.#heading),
      aim,
      buttons: fire ? Buttons.FIRE : 0,
      viewTick: 0,
    };
  }
}

interface Figures {
  players: number;
  mode: Mode;
  label: string;
  /** Mean per tick. */
  stepMs: number;
  interestMs: number;
  /** Reliable patch (when due) plus unreliable frames, whole room. */
  encodeMs: number;
  /** The two parts of encodeMs. */
  reliableMs: number;
  unreliableMs: number;
  encodeUsPerClient: number;
  bytesPerClient: number;
  reliableBytesPerClient: number;
  unreliableBytesPerClient: number;
  /** Players a client holds, mean. */
  playersHeld: number;
  totalMs: number;
  totalP99Ms: number;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function run(players: number, mode: Mode): Figures {
  const arena = arenaGame({
    seed: 42 + players,
    worldSize: WORLD,
    aoiRadius: RADIUS,
    aoiHysteresis: HYSTERESIS,
    aoiFarInterval: mode === "c" ? FAR_INTERVAL : 1,
  });
  // (a): the same game on a state whose players are not filtered, and no interest management.
  const game =
    mode === "a"
      ? defineGame({ ...arena.definition, state: OpenArenaState as unknown as typeof ArenaState, interest: undefined })
      : arena;
  const world = new Simulation(game, { tickRate: TICK_HZ, record: false });
  // biome-ignore lint/suspicious/noExplicitAny: one serializer encodes either state class of the benchmark
  const serializer = new EngineSerializer<any>();
  serializer.reset(world.state);
  const interest = world.core.interest;
  const clients: Array<ReturnType<typeof simulatedClient>> = [];
  const bots = new Map<string, Bot>();
  const rng = createRng(7 + players);
  for (let i = 0; i < players; i++) {
    const id = `p${i}`;
    world.join(id, { name: `bot${i}` });
    const sim = simulatedClient(id);
    if (interest) {
      sim.client.view = new StateView();
      interest.addViewer(id, sim.client.view);
    }
    clients.push(sim);
    bots.set(id, new Bot(createRng(rng.next() * 2 ** 31)));
  }
  const all = clients.map((c) => c.client);
  const flusher =
    mode === "c"
      ? new UnreliableFlusher(serializer, (client) => interest!.interestOf(client.sessionId), FAR_INTERVAL)
      : new UnreliableFlusher(serializer);
  // Everyone has joined and holds the full state before anything is measured.
  interest?.update();
  serializer.applyPatches(all, world.state);
  for (const c of all) serializer.getFullState(c);

  const step: number[] = [];
  const aoi: number[] = [];
  const enc: number[] = [];
  const rel: number[] = [];
  const total: number[] = [];
  let held = 0;
  let credit = 0;
  const startTime = performance.now();
  for (let t = 0; t < WARMUP + TICKS; t++) {
    if (t === WARMUP)
      for (const c of clients) {
        c.counted.reliable = 0;
        c.counted.unreliable = 0;
      }
    const t0 = performance.now();
    world.step((id) => {
      const p = world.state.players.get(id)!;
      return bots.get(id)!.input(world.tick, p.x, p.y) as unknown as PlayerInput;
    });
    const t1 = performance.now();
    let t2 = t1;
    credit += PATCH_HZ / TICK_HZ;
    if (credit >= 1) {
      credit -= 1;
      interest?.update();
      t2 = performance.now();
      serializer.applyPatches(all, world.state, { sNow: Math.round(t1 - startTime) });
    }
    const tr = performance.now();
    flusher.flush(all, t1);
    const t3 = performance.now();
    if (t >= WARMUP) {
      step.push(t1 - t0);
      aoi.push(t2 - t1);
      enc.push(t3 - t2);
      rel.push(tr - t2);
      total.push(t3 - t0);
      if (interest) for (const c of all) held += interest.heldBy(c.sessionId);
    }
  }
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const reliable = clients.reduce((s, c) => s + c.counted.reliable, 0) / players / TICKS;
  const unreliable = clients.reduce((s, c) => s + c.counted.unreliable, 0) / players / TICKS;
  return {
    players,
    mode,
    label: MODES[mode],
    stepMs: mean(step),
    interestMs: mean(aoi),
    encodeMs: mean(enc),
    reliableMs: mean(rel),
    unreliableMs: mean(enc) - mean(rel),
    encodeUsPerClient: (mean(enc) * 1000) / players,
    bytesPerClient: reliable + unreliable,
    reliableBytesPerClient: reliable,
    unreliableBytesPerClient: unreliable,
    playersHeld: interest ? held / players / TICKS : players,
    totalMs: mean(total),
    totalP99Ms: quantile(total, 0.99),
  };
}

const results: Figures[] = [];
for (const n of counts) {
  for (const mode of flags.modes.split(",") as Mode[]) {
    // A first pass warms the JIT for this shape; the second is the one reported.
    run(Math.min(n, 50), mode);
    results.push(run(n, mode));
  }
}

const f = (v: number, d = 1) => v.toFixed(d);
console.log(
  `\nper tick at ${TICK_HZ} Hz (reliable patch at ${PATCH_HZ} Hz), world ${WORLD} x ${WORLD}, radius ${RADIUS}, ${TICKS} ticks after ${WARMUP} of warm-up\n`,
);
console.log(
  "players | mode                             | held | encode us/client | bytes/client (rel+unrel) | step ms | interest ms | encode ms (rel+unrel) | total ms (p99)",
);
for (const r of results) {
  console.log(
    `${String(r.players).padStart(7)} | (${r.mode}) ${r.label.padEnd(29)} | ${f(r.playersHeld, 0).padStart(4)} | ${f(r.encodeUsPerClient, 2).padStart(16)} | ` +
      `${`${f(r.bytesPerClient, 0)} (${f(r.reliableBytesPerClient, 0)}+${f(r.unreliableBytesPerClient, 0)})`.padStart(24)} | ${f(r.stepMs, 2).padStart(7)} | ` +
      `${f(r.interestMs, 2).padStart(11)} | ${`${f(r.encodeMs, 2)} (${f(r.reliableMs, 2)}+${f(r.unreliableMs, 2)})`.padStart(21)} | ${f(r.totalMs, 2)} (${f(r.totalP99Ms, 2)})`,
  );
}

const at = (n: number, m: Mode) => results.find((r) => r.players === n && r.mode === m);
const biggest = Math.max(...counts);
const a = at(biggest, "a");
const b = at(biggest, "b");
const c = at(biggest, "c");
if (!a || !b || !c) {
  console.log("\n(targets need all three modes)");
  process.exit(0);
}
const targets = {
  players: biggest,
  bytesRatioCtoA: c.bytesPerClient / a.bytesPerClient,
  encodeRatioCtoB: c.encodeUsPerClient / b.encodeUsPerClient,
  totalMsC: c.totalMs,
  totalP99MsC: c.totalP99Ms,
  met: {
    bytes: c.bytesPerClient <= a.bytesPerClient / 5,
    encode: c.encodeUsPerClient <= b.encodeUsPerClient / 3,
    tickBudget: c.totalP99Ms < 10,
  },
};
console.log(
  `\nat ${biggest} players: bytes (c)/(a) = ${f(targets.bytesRatioCtoA, 3)} (target <= 0.2), encode (c)/(b) = ${f(targets.encodeRatioCtoB, 3)} (target <= 0.333), ` +
    `tick + encode (c) mean ${f(c.totalMs, 2)} ms, p99 ${f(c.totalP99Ms, 2)} ms (target < 10 ms)`,
);

const report = {
  bench: "encode",
  when: new Date().toISOString(),
  node: process.version,
  settings: {
    tickHz: TICK_HZ,
    patchHz: PATCH_HZ,
    world: WORLD,
    radius: RADIUS,
    hysteresis: HYSTERESIS,
    farInterval: FAR_INTERVAL,
    ticks: TICKS,
    warmup: WARMUP,
  },
  results,
  targets,
};
const out = flags.out ?? path.join(ROOT, "loadtest/results", `encode-${report.when.replace(/[:.]/g, "-")}.json`);
await mkdir(path.dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(report, null, 2));
console.log(`\nwritten: ${path.relative(process.cwd(), out)}`);
