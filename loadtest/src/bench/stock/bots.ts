import { parseArgs } from "node:util";
import { Client, type Room } from "@colyseus/sdk";

// The stock bots of `npm run bench:capacity`: N stock @colyseus/sdk clients in this one process,
// spread over --rooms rooms of the stock server (one creator per room, the rest join those
// rooms by id over --ramp seconds). Each wanders as loadtest/src/worker.ts's bots do and sends
// `room.send("input", {moveX, moveY, aim, buttons})` at --input-hz, pings once a second, and
// counts the WebSocket payload bytes it receives. Driven by its parent over IPC:
//   parent -> {type: "stats"}  reply {type: "stats", stats: BotStats} (cumulative counters)
//   parent -> {type: "stop"}   leaves every room, replies {type: "stopped", stats}, exits.
// It exits by itself when the IPC channel closes (the parent is gone).

export interface BotStats {
  joined: number;
  failed: number;
  disconnects: number;
  /** WebSocket frames and payload bytes received, since the first join (cumulative). */
  frames: number;
  bytes: number;
  /** Sum and count of `state.players.size` samples (one per bot per stats request). */
  heldSum: number;
  heldSamples: number;
  errors: string[];
}
export type ToBots = { type: "stats" } | { type: "stop" };
export type FromBots = { type: "stats" | "stopped"; stats: BotStats };

const { values: flags } = parseArgs({
  options: {
    endpoint: { type: "string" },
    clients: { type: "string", default: "20" },
    rooms: { type: "string", default: "1" },
    ramp: { type: "string", default: "3" },
    "input-hz": { type: "string", default: "30" },
    "room-name": { type: "string", default: "stock" },
  },
  strict: true,
});
if (!flags.endpoint) throw new Error("--endpoint ws://host:port is required");
if (!process.send) throw new Error("stock bots: start me with an IPC channel (stdio 'ipc')");
const endpoint = flags.endpoint;
const CLIENTS = Number(flags.clients);
const ROOMS = Math.min(Number(flags.rooms), CLIENTS);
const RAMP_MS = Number(flags.ramp) * 1000;
const INPUT_HZ = Number(flags["input-hz"]);
const ROOM_NAME = flags["room-name"];

interface Bot {
  room: Room;
  heading: number;
}

const bots: Bot[] = [];
const stats: BotStats = {
  joined: 0,
  failed: 0,
  disconnects: 0,
  frames: 0,
  bytes: 0,
  heldSum: 0,
  heldSamples: 0,
  errors: [],
};
const timers: Array<ReturnType<typeof setTimeout>> = [];
let leaving = false;

function fail(err: unknown): void {
  stats.failed++;
  if (stats.errors.length < 10) stats.errors.push((err as Error)?.message ?? String(err));
}

function adopt(room: Room): void {
  // Count every frame the socket delivers (the transport reads `events.onmessage` per message).
  const events = room.connection.events;
  const deliver = events.onmessage;
  events.onmessage = (event: MessageEvent) => {
    stats.frames++;
    stats.bytes += (event.data as ArrayBuffer).byteLength;
    deliver?.(event);
  };
  room.onLeave(() => {
    if (!leaving) stats.disconnects++;
  });
  room.onDrop(() => {
    if (!leaving) stats.disconnects++;
  });
  bots.push({ room, heading: Math.random() * Math.PI * 2 });
  stats.joined++;
}

function tickInputs(): void {
  for (const b of bots) {
    if (!b.room.connection?.isOpen) continue;
    b.heading += (Math.random() - 0.5) * 0.3;
    b.room.send("input", { moveX: Math.cos(b.heading), moveY: Math.sin(b.heading), aim: b.heading, buttons: 0 });
  }
}

function pingAll(): void {
  for (const b of bots) if (b.room.connection?.isOpen) b.room.ping(() => {});
}

function snapshot(): BotStats {
  for (const b of bots) {
    const size = (b.room.state as { players?: { size: number } } | undefined)?.players?.size;
    if (size !== undefined) {
      stats.heldSum += size;
      stats.heldSamples++;
    }
  }
  return { ...stats, errors: [...stats.errors] };
}

async function main(): Promise<void> {
  const client = new Client(endpoint);
  const roomIds: string[] = [];
  await Promise.all(
    Array.from({ length: ROOMS }, async () => {
      try {
        const room = await client.create(ROOM_NAME, {});
        roomIds.push(room.roomId);
        adopt(room);
      } catch (err) {
        fail(err);
      }
    }),
  );
  const rest = CLIENTS - ROOMS;
  for (let k = 0; k < rest; k++) {
    const roomId = roomIds[k % Math.max(1, roomIds.length)];
    if (!roomId) {
      fail(new Error("no room could be created"));
      continue;
    }
    const delay = rest > 1 ? Math.round((RAMP_MS * k) / rest) : 0;
    timers.push(
      setTimeout(() => {
        if (leaving) return;
        client.joinById(roomId, {}).then(adopt, fail);
      }, delay),
    );
  }
}

const inputTimer = setInterval(tickInputs, 1000 / INPUT_HZ);
const pingTimer = setInterval(pingAll, 1000);

process.on("message", async (msg: ToBots) => {
  if (msg.type === "stats") {
    process.send!({ type: "stats", stats: snapshot() } satisfies FromBots);
    return;
  }
  leaving = true;
  for (const t of timers) clearTimeout(t);
  clearInterval(inputTimer);
  clearInterval(pingTimer);
  const final = snapshot();
  await Promise.race([
    Promise.allSettled(bots.map((b) => b.room.leave())),
    new Promise((resolve) => setTimeout(resolve, 5000)),
  ]);
  process.send!({ type: "stopped", stats: final } satisfies FromBots, () => process.exit(0));
});
process.on("disconnect", () => process.exit(0));

main().catch((err) => {
  fail(err);
});
