import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { joinArena, TickwireClient, type ArenaConnection } from "@tickwire/example-arena/client";
import { metricValue, startServer, type RunningServer } from "../helpers/server.ts";
import { FrameFuzzer, HOSTILE_KINDS, LENIENT_KINDS, badHttpRequests } from "../helpers/fuzz.ts";
import { waitFor } from "../helpers/wait.ts";

// At least 10,000 malformed frames at the real WebSocket endpoint (from seated clients in the
// honest client's room and from sockets with no seat), and malformed matchmaking requests. The
// process stays up, nothing is left unhandled, memory stays bounded, and the honest client in
// the same room keeps receiving patches and moving.

const MAX_MESSAGE_BYTES = 2048;
const FRAMES_WANTED = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? 0x7157);

let server: RunningServer;
let honest: ArenaConnection;

beforeAll(async () => {
  server = await startServer({
    MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
    MAX_PLAYERS_PER_ROOM: "200",
    RECONNECT_WINDOW_SECONDS: "2",
  });
  honest = await joinArena(new TickwireClient(server.wsUrl), { name: "honest" });
  await waitFor(() => honest.self, "the honest player");
});
afterAll(async () => {
  await honest?.leave().catch(() => {});
  await server?.stop();
});

const rss = async () => metricValue(server, "tickwire_process_process_resident_memory_bytes");
const received = async () => metricValue(server, "tickwire_messages_received_total");

interface Outcome {
  sent: number;
  closeCode: number;
}

/** One socket: seated in the honest room (through matchmaking) or not, then `count` bad frames. */
async function fuzzSocket(fuzzer: FrameFuzzer, seated: boolean, count: number): Promise<Outcome> {
  let url = `${server.wsUrl}/${fuzzer.pick(["", "nope/none", "a/b/c", "x".repeat(300)])}?sessionId=${fuzzer.int(1e9)}`;
  if (seated) {
    const res = await fetch(`${server.httpUrl}/matchmake/joinById/${honest.roomId}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "fuzz" }),
    });
    const seat = await res.json();
    if (!seat.sessionId) throw new Error(`no seat: ${JSON.stringify(seat)}`);
    url = `${server.wsUrl}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`;
  }
  const ws = new WebSocket(url);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  ws.on("error", () => {});
  await new Promise<void>((resolve) => {
    ws.once("open", () => resolve());
    ws.once("close", () => resolve());
  });
  let sent = 0;
  if (ws.readyState === WebSocket.OPEN) {
    // Half the seated sockets complete the join first, so that frames reach a joined client's handlers.
    if (seated && fuzzer.int(2) === 0) ws.send(new Uint8Array([10]));
    // Mostly well-framed frames with wrong content (the sender stays), some hostile ones.
    for (let i = 0; i < count && ws.readyState === WebSocket.OPEN; i++) {
      ws.send(fuzzer.frame(fuzzer.pick(fuzzer.int(5) === 0 ? HOSTILE_KINDS : LENIENT_KINDS)));
      sent++;
    }
  }
  const timer = setTimeout(() => ws.terminate(), 500);
  const closeCode = await closed;
  clearTimeout(timer);
  return { sent, closeCode };
}

describe("fuzzing", () => {
  it(`survives ${FRAMES_WANTED}+ malformed frames and bad matchmaking requests, and keeps serving the honest client`, async () => {
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    const fuzzer = new FrameFuzzer(SEED, MAX_MESSAGE_BYTES);

    // The honest client walks back and forth the whole time; its patches are sampled each second.
    let dir = 1;
    honest.startInputLoop(() => ({ moveX: dir, moveY: 0 }));
    const flip = setInterval(() => (dir = -dir), 700);
    const ticks: number[] = [];
    const xs: number[] = [];
    const sampler = setInterval(() => {
      ticks.push(honest.state.tick);
      xs.push(honest.self?.x ?? 0);
    }, 1000);

    try {
      // Warm-up round, then the baseline for memory.
      for (let i = 0; i < 40; i++) await fuzzSocket(fuzzer, i % 2 === 0, 20);
      const rssBefore = await rss();
      const receivedBefore = await received();

      // Until the server itself has taken FRAMES_WANTED frames (frames a client queues after
      // the server closed it never arrive, so the client's count alone would overstate it).
      let sent = 0;
      let sockets = 0;
      const codes = new Map<number, number>();
      const rssSamples: number[] = [];
      for (let round = 0; (await received()) - receivedBefore < FRAMES_WANTED && round < 2000; round++) {
        const batch = await Promise.all(
          Array.from({ length: 6 }, (_, k) => fuzzSocket(fuzzer, k < 5, 10 + fuzzer.int(90))),
        );
        for (const o of batch) {
          sent += o.sent;
          sockets++;
          codes.set(o.closeCode, (codes.get(o.closeCode) ?? 0) + 1);
        }
        if (round % 20 === 0) rssSamples.push(await rss());
      }
      const taken = (await received()) - receivedBefore;

      // Bad HTTP matchmaking requests: every one answered, none with a bare 500; the clearly
      // wrong ones refused (4xx, or Colyseus' matchmaking codes 520-526 with a message).
      const statuses: Record<string, number> = {};
      for (const [method, path, headers, body, refused] of badHttpRequests(honest.roomId)) {
        const what = `${method} ${path.slice(0, 48)} ${(body ?? "").slice(0, 24)}`;
        const res = await fetch(`${server.httpUrl}${path}`, { method, headers, body });
        const text = await res.text();
        statuses[what] = res.status;
        expect(res.status, what).not.toBe(500);
        if (!refused) continue;
        expect(res.status, what).toBeGreaterThanOrEqual(400);
        if (res.status >= 500) expect(JSON.parse(text).error, what).toMatch(/\w/);
      }

      const rssAfter = await rss();
      console.log(
        JSON.stringify({
          sockets,
          framesSent: sent,
          framesReceivedByServer: taken,
          closeCodes: Object.fromEntries(codes),
          rssBeforeMiB: +(rssBefore / 2 ** 20).toFixed(1),
          rssAfterMiB: +(rssAfter / 2 ** 20).toFixed(1),
          rssSamplesMiB: rssSamples.map((b) => +(b / 2 ** 20).toFixed(1)),
          http: statuses,
        }),
      );

      expect(taken).toBeGreaterThanOrEqual(FRAMES_WANTED);
      // The process is up and answering, and nothing went unhandled.
      expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
      expect(server.child.exitCode).toBeNull();
      expect(await metricValue(server, "tickwire_unhandled_rejections_total")).toBe(0);
      expect(server.output()).not.toMatch(/unhandled|uncaught/i);
      // Memory stays bounded: what the fuzz added is small against a server's footprint.
      expect(rssAfter - rssBefore).toBeLessThan(96 * 2 ** 20);
      // The honest client got patches in every second of the run, and kept moving.
      expect(honest.closed).toBe(false);
      for (let i = 1; i < ticks.length; i++) expect(ticks[i]!, `patches in second ${i}`).toBeGreaterThan(ticks[i - 1]!);
      const moves = xs.slice(1).filter((x, i) => Math.abs(x - xs[i]!) > 1).length;
      expect(moves, `seconds in which the honest player moved, of ${xs.length - 1}`).toBeGreaterThan(
        (xs.length - 1) / 2,
      );
      // Every fuzz seat was released: only the honest player is left.
      await waitFor(() => honest.state.players.size === 1, "fuzz players to be gone", 15_000);
    } finally {
      clearInterval(flip);
      clearInterval(sampler);
    }
  }, 180_000);
});
