import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { WebSocket as NodeWebSocket } from "ws";
import uWebSockets from "uWebSockets.js";
import selectBinding from "uWebSockets.js/selection";
import { type Client, Room, createEndpoint, createRouter, defineRoom, defineServer, matchMaker } from "@colyseus/core";
import { uWebSocketsTransport } from "@colyseus/uwebsockets-transport";
import { type MapSchema, type SchemaType, StateView, schema, t } from "@colyseus/schema";
import { type InputFields, SIM, sanitizeInput, stepBody } from "@tickwire/example-arena/shared";

// The stock peer of `npm run bench:capacity`: a plain Colyseus 0.18 room on its stock uWS
// transport, with the arena's movement rules and nothing of Tickwire's. Players are a MapSchema
// of float32 x, y, vx, vy, aim; a fixed 30 Hz step moves each player by its latest "input"
// message; Colyseus' own patch timer (patchRate 1000/30) encodes and sends. With --radius > 0
// the players map is `.view()`-filtered and each client's StateView holds the players within
// the radius, updated at patch time (onBeforePatch). Process entry:
//   node --import tsx loadtest/src/bench/stock/server.ts --room-size 50 [--radius 1200]
// It prints `stock server listening on http://127.0.0.1:<port>` once ready and serves
// GET /bench/clients (clients, rooms) and GET /bench/stats (the same, with the tick and patch
// durations since the last GET /bench/reset).

const { values: flags } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "room-size": { type: "string", default: "50" },
    /** 0: every client sees every player (no StateView). */
    radius: { type: "string", default: "0" },
    hysteresis: { type: "string", default: "100" },
    world: { type: "string", default: String(SIM.WORLD_WIDTH) },
    "tick-hz": { type: "string", default: "30" },
  },
  strict: true,
});
const ROOM_SIZE = Number(flags["room-size"]);
const RADIUS = Number(flags.radius);
const HYSTERESIS = Math.min(Number(flags.hysteresis), RADIUS);
const BOUNDS = { width: Number(flags.world), height: Number(flags.world) };
const TICK_HZ = Number(flags["tick-hz"]);

// @colyseus/core 0.18 reads the WebSocket global (Node 22+) on reconnection; any entry point needs it on Node 20.
if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === "undefined")
  (globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket;

const StockPlayer = schema(
  {
    x: t.float32().default(0),
    y: t.float32().default(0),
    vx: t.float32().default(0),
    vy: t.float32().default(0),
    aim: t.float32().default(0),
  },
  "StockPlayer",
);
type StockPlayer = SchemaType<typeof StockPlayer>;
const OpenState = schema({ players: t.map(StockPlayer) }, "StockState");
const FilteredState = schema({ players: t.map(StockPlayer).view() }, "StockFilteredState");
type StockState = SchemaType<typeof OpenState>;

/** Durations (ms) since the last reset, per room per step / per patch. */
const stats = { ticks: [] as number[], patches: [] as number[], since: performance.now() };
const MAX_SAMPLES = 1_000_000;

class StockRoom extends Room<{ state: StockState }> {
  readonly #intents = new Map<string, InputFields>();
  readonly #interest = RADIUS > 0;

  override onCreate(): void {
    this.maxClients = ROOM_SIZE;
    this.patchRate = 1000 / 30;
    this.state = (this.#interest ? new FilteredState() : new OpenState()) as StockState;
    this.onMessage("input", (client, message: Partial<InputFields> | undefined) => {
      const intent = this.#intents.get(client.sessionId);
      if (!intent || typeof message !== "object" || message === null) return;
      intent.moveX = Number(message.moveX);
      intent.moveY = Number(message.moveY);
      intent.aim = Number(message.aim);
      intent.buttons = Number(message.buttons) | 0;
      sanitizeInput(intent);
    });
    this.setFixedTimestep((ctx) => {
      const t0 = performance.now();
      const players = this.state.players as MapSchema<StockPlayer>;
      players.forEach((player, id) => {
        const intent = this.#intents.get(id);
        if (intent) stepBody(player, intent, ctx.dt, BOUNDS);
      });
      if (stats.ticks.length < MAX_SAMPLES) stats.ticks.push(performance.now() - t0);
    }, TICK_HZ);
  }

  override onJoin(client: Client): void {
    const r = SIM.PLAYER_RADIUS;
    const player = new StockPlayer();
    player.x = r + Math.random() * (BOUNDS.width - 2 * r);
    player.y = r + Math.random() * (BOUNDS.height - 2 * r);
    (this.state.players as MapSchema<StockPlayer>).set(client.sessionId, player);
    this.#intents.set(client.sessionId, { moveX: 0, moveY: 0, aim: 0, buttons: 0 });
    if (this.#interest) {
      client.view = new StateView();
      client.view.add(player);
    }
  }

  override onLeave(client: Client): void {
    (this.state.players as MapSchema<StockPlayer>).delete(client.sessionId);
    this.#intents.delete(client.sessionId);
    client.view?.dispose();
  }

  /** The interest update, at patch time: a player enters a view within RADIUS - HYSTERESIS and leaves it beyond RADIUS. */
  override onBeforePatch(state: StockState): void {
    if (!this.#interest) return;
    const players = state.players as MapSchema<StockPlayer>;
    const enter2 = (RADIUS - HYSTERESIS) ** 2;
    const leave2 = RADIUS ** 2;
    for (const client of this.clients) {
      const view = client.view;
      const me = players.get(client.sessionId);
      if (!view || !me) continue;
      players.forEach((other, id) => {
        if (id === client.sessionId) return;
        const d2 = (other.x - me.x) ** 2 + (other.y - me.y) ** 2;
        const held = view.has(other);
        if (!held && d2 <= enter2) view.add(other);
        else if (held && d2 > leave2) view.remove(other);
      });
    }
  }

  /** Colyseus' patch timer calls this: the interest update (onBeforePatch), encoding and sending. */
  override broadcastPatch(): boolean {
    const t0 = performance.now();
    const changed = super.broadcastPatch();
    if (stats.patches.length < MAX_SAMPLES) stats.patches.push(performance.now() - t0);
    return changed;
  }
}

/** The stock transport, bound to loopback (stock `listen()` ignores the host) and reporting the port it got. */
class LoopbackTransport extends uWebSocketsTransport {
  port = 0;
  override listen(port: number, _hostname?: string, _backlog?: number, listening?: () => void): this {
    this.app.listen("127.0.0.1", port, (socket) => {
      if (!socket) throw new Error(`stock server: cannot listen on 127.0.0.1:${port}`);
      (this as unknown as { _listeningSocket: unknown })._listeningSocket = socket;
      this.port = uWebSockets.us_socket_local_port(socket as unknown as uWebSockets.us_socket);
      listening?.();
    });
    return this;
  }
}

const selection = selectBinding();
const transport = new LoopbackTransport();
const server = defineServer({
  transport,
  greet: false,
  rooms: { stock: defineRoom(StockRoom) },
  routes: createRouter({
    benchClients: createEndpoint("/bench/clients", { method: "GET" }, async () =>
      Response.json({ clients: matchMaker.stats.local.ccu, rooms: matchMaker.stats.local.roomCount }),
    ),
    benchStats: createEndpoint("/bench/stats", { method: "GET" }, async () =>
      Response.json({
        clients: matchMaker.stats.local.ccu,
        rooms: matchMaker.stats.local.roomCount,
        seconds: (performance.now() - stats.since) / 1000,
        tickMs: stats.ticks,
        patchMs: stats.patches,
      }),
    ),
    benchReset: createEndpoint("/bench/reset", { method: "GET" }, async () => {
      stats.ticks = [];
      stats.patches = [];
      stats.since = performance.now();
      return Response.json({ ok: true });
    }),
  }),
});

await server.listen(Number(flags.port));
console.log(
  `stock server listening on http://127.0.0.1:${transport.port} (uWebSockets.js ${selection.native ? `native: ${selection.package} ${selection.version}` : `NOT native: ${selection.reason}`}; rooms of ${ROOM_SIZE}, ${RADIUS > 0 ? `StateView radius ${RADIUS}` : "no interest management"}, tick ${TICK_HZ} Hz, patchRate ${(1000 / 30).toFixed(1)} ms)`,
);

// Never outlive the harness: if it dies without stopping this process, the parent changes.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(3);
}, 1000).unref();
