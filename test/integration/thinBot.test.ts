import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { joinArenaById, TickwireClient } from "@tickwire/example-arena/client";
import { PlayerInput } from "@tickwire/example-arena/shared";
import {
  ACK_HEADER_BYTES,
  BUNDLE_CODE,
  helloFrame,
  INPUT_FRAME_HEADER_BYTES,
  inputCodecOf,
  readAckHeader,
  readInputFrameHeader,
  TickwireProtocol,
  UNRELIABLE_PATCH_BYTE,
} from "@tickwire/shared/protocol";
import { ThinFleet } from "../../loadtest/src/thinBot.ts";
import { reserveSeat } from "../../loadtest/src/thinWire.ts";
import { SEE_ALL, inspectRoom, metricValue, startServer, type RunningServer } from "../helpers/server.ts";
import { elapse, waitFor } from "../helpers/wait.ts";

// Colyseus 0.18 protocol codes.
const JOIN_ROOM = 10;
const LEAVE_ROOM = 12;
const ROOM_STATE_PATCH = 15;
const PING = 18;
const TIMED = 0x80;

const codec = inputCodecOf(PlayerInput);

/** A frame the bot sent, split into its ack header (if any) and what follows. */
interface Sent {
  at: number;
  ack?: { seq: number; heldMs: number };
  inner: Buffer;
}

function split(frame: Buffer): Sent {
  if (frame[0] !== TickwireProtocol.ACK) return { at: performance.now(), inner: frame };
  return { at: performance.now(), ack: readAckHeader(frame), inner: frame.subarray(ACK_HEADER_BYTES) };
}

function bundle(...parts: Uint8Array[]): Buffer {
  const out: number[] = [BUNDLE_CODE];
  for (const p of parts) {
    out.push(p.byteLength & 0xff, (p.byteLength >>> 8) & 0xff, (p.byteLength >>> 16) & 0xff, p.byteLength >>> 24);
    out.push(...p);
  }
  return Buffer.from(out);
}

const unreliable = (seq: number, body = [1, 2, 3]) =>
  Uint8Array.from([UNRELIABLE_PATCH_BYTE, seq & 0xff, seq >>> 8, ...body]);

/**
 * A stand-in for the server that speaks just enough of the wire: the matchmaking HTTP routes and
 * the room socket, recording every frame a bot sends. The test drives what the "server" sends.
 */
class FakeServer {
  readonly http: Server;
  readonly wss: WebSocketServer;
  readonly sockets = new Map<string, { ws: WebSocket; url: string; frames: Sent[] }>();
  #next = 0;

  constructor() {
    this.http = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        const m = /^\/matchmake\/(create\/arena|joinById\/([\w-]+))$/.exec(req.url ?? "");
        if (req.method !== "POST" || !m) {
          res.writeHead(404).end();
          return;
        }
        const name = (JSON.parse(body) as { name?: string }).name;
        const sessionId = `s${++this.#next}-${name}`;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ name: "arena", sessionId, roomId: m[2] ?? "room1", processId: "proc1" }));
      });
    });
    this.wss = new WebSocketServer({ server: this.http });
    this.wss.on("connection", (ws, req) => {
      const url = req.url ?? "";
      const sessionId = new URL(url, "http://x").searchParams.get("sessionId") ?? "";
      const entry = { ws, url, frames: [] as Sent[] };
      this.sockets.set(sessionId, entry);
      ws.on("message", (data: Buffer) => entry.frames.push(split(Buffer.from(data))));
      // JOIN_ROOM as Colyseus sends it: [10][len][reconnection token][len][serializer id][state reflection length 0]
      ws.send(Buffer.from([JOIN_ROOM, 2, 0x61, 0x62, 6, ...Buffer.from("schema"), 0]));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.http.listen(0, "127.0.0.1", r));
    return `ws://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise<void>((r) => this.http.close(() => r()));
  }
}

describe("thin bot wire behaviour (against a stand-in server)", () => {
  let fake: FakeServer;
  let endpoint: string;
  let fleet: ThinFleet;

  beforeAll(async () => {
    fake = new FakeServer();
    endpoint = await fake.listen();
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(async () => {
    await fleet?.leaveAll(500);
  });

  it("joins as the SDK does, sends numbered input frames with redundancy, acks the newest frame of plain frames and bundles, pings", async () => {
    fleet = new ThinFleet({ endpoint });
    fleet.start();
    const bot = await fleet.join({ index: 7, roomId: "roomA" });
    expect(bot.roomId).toBe("roomA");
    const sock = fake.sockets.get(bot.sessionId)!;
    expect(sock.url).toBe(`/proc1/roomA?sessionId=${bot.sessionId}`);

    // The handshake: JOIN_ROOM acknowledged, then an ack of seq 0 (this client acknowledges)
    // with the hello behind it (it reads bundles).
    await waitFor(() => sock.frames.length >= 2, "the handshake frames");
    expect([...sock.frames[0]!.inner]).toEqual([JOIN_ROOM]);
    expect(sock.frames[1]!.ack).toEqual({ seq: 0, heldMs: 0 });
    expect([...sock.frames[1]!.inner]).toEqual([...helloFrame()]);

    // A bundle (unreliable frame 5, a reliable patch), then plain frames: 7, and 6 arriving late.
    sock.ws.send(bundle(unreliable(5), Uint8Array.from([ROOM_STATE_PATCH | TIMED, 0, 0, 0, 0, 0, 0, 0, 0, 9])));
    await waitFor(() => sock.frames.some((f) => f.ack?.seq === 5), "the ack of frame 5 (in a bundle)");
    sock.ws.send(Buffer.from(unreliable(7)));
    sock.ws.send(Buffer.from(unreliable(6)));
    await waitFor(() => sock.frames.some((f) => f.ack?.seq === 7), "the ack of frame 7");
    await elapse(100);
    expect(sock.frames.some((f) => f.ack?.seq === 6)).toBe(false);
    // A late frame is not acknowledged again, and each ack goes once.
    expect(sock.frames.filter((f) => f.ack?.seq === 7)).toHaveLength(1);
    const ack7 = sock.frames.find((f) => f.ack?.seq === 7)!;
    // Held at most about the ack delay (20 ms), plus a timer phase and slack for a busy machine.
    expect(ack7.ack!.heldMs).toBeLessThanOrEqual(75);

    // About a second of inputs, at 30 a second.
    await elapse(1000);
    const inputs = sock.frames.filter((f) => f.inner[0] === 0x3f);
    const span = (inputs.at(-1)!.at - inputs[0]!.at) / 1000;
    expect(span).toBeGreaterThan(0.9);
    expect((inputs.length - 1) / span).toBeGreaterThan(25);
    expect((inputs.length - 1) / span).toBeLessThan(35);
    let prevBodies: Array<Record<string, unknown>> | undefined;
    inputs.forEach((f, i) => {
      const header = readInputFrameHeader(codec, f.inner);
      if ("problem" in header) throw new Error(header.problem);
      expect(header.seq).toBe(i + 1);
      expect(header.count).toBe(Math.min(i + 1, 3));
      const view = new DataView(f.inner.buffer, f.inner.byteOffset, f.inner.byteLength);
      const bodies = Array.from({ length: header.count }, (_, k) => {
        const body: Record<string, unknown> = {};
        codec.read(view, INPUT_FRAME_HEADER_BYTES + k * codec.bodyBytes, body);
        return body;
      });
      for (const b of bodies) {
        expect(Math.hypot(b.moveX as number, b.moveY as number)).toBeCloseTo(1, 3);
        expect(b.viewTick).toBe(0);
      }
      // Newest first: this frame's second input is the previous frame's first.
      if (prevBodies) expect(bodies[1]).toEqual(prevBodies[0]);
      prevBodies = bodies;
    });

    // A ping a second; the answer gives an RTT sample.
    await waitFor(() => sock.frames.some((f) => f.inner.byteLength === 1 && f.inner[0] === PING), "a ping");
    sock.ws.send(Buffer.from([PING]));
    await waitFor(() => fleet.takeRtt().length > 0, "an RTT sample");
    expect(fleet.counters.unreliableFrames).toBe(3);
    expect(fleet.counters.reliablePatches).toBe(1);
    expect(fleet.counters.bundles).toBe(1);

    // Leaving: LEAVE_ROOM, then the server closes; not a disconnect.
    sock.ws.on("message", (data: Buffer) => {
      if (data.byteLength === 1 && data[0] === LEAVE_ROOM) sock.ws.close(4000);
    });
    await fleet.leaveAll(2000);
    expect(sock.frames.at(-1)!.inner[0]).toBe(LEAVE_ROOM);
    expect(fleet.counters.disconnects).toBe(0);
  });

  it("counts a close it did not ask for as a disconnect, and a refused join as a failure", async () => {
    fleet = new ThinFleet({ endpoint, joinTimeoutMs: 2000 });
    fleet.start();
    const bot = await fleet.join({ index: 1 });
    fake.sockets.get(bot.sessionId)!.ws.close(4002, "protocol violation");
    await waitFor(() => fleet.counters.disconnects === 1, "the disconnect to be counted");
    expect(fleet.live).toBe(0);
    await expect(fleet.join({ index: 2, roomId: "no such/room" })).rejects.toThrow(/matchmake 404/);
    expect(fleet.counters.failed).toBe(1);
  });
});

describe("a thin bot's seat request against a server that answers 429", () => {
  let http: Server;
  let endpoint: string;
  let requests = 0;
  let retryAfter = "1";

  beforeAll(async () => {
    http = createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(429, { "retry-after": retryAfter, "content-type": "application/json" });
      res.end(JSON.stringify({ code: 429, error: `too many matchmaking requests; retry in ${retryAfter} s` }));
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    endpoint = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => http.close(() => r()));
  });

  it("sends no further request once the run stops during its wait", async () => {
    requests = 0;
    retryAfter = "1";
    let stopped = false;
    const seat = reserveSeat(endpoint, { index: 0 }, { onRateLimited: () => (stopped = true), stopped: () => stopped });
    await expect(seat).rejects.toThrow("matchmake 429: never got a seat before the run ended");
    expect(requests).toBe(1);
  });

  it("gives up, counted failed, when the server asks for a wait past the bots' limit", async () => {
    requests = 0;
    retryAfter = "86400";
    const fleet = new ThinFleet({ endpoint });
    await expect(fleet.join({ index: 0 })).rejects.toThrow(/matchmake 429: still over the server's limits after 0 s/);
    expect(requests).toBe(1);
    expect(fleet.counters.failed).toBe(1);
    expect(fleet.counters.rateLimited).toBe(0);
  });
});

describe("thin bots against the real server", () => {
  let server: RunningServer;
  let fleet: ThinFleet | undefined;

  beforeAll(async () => {
    server = await startServer({ ...SEE_ALL });
  });
  afterAll(async () => {
    await fleet?.leaveAll();
    await server?.stop();
  });

  it("ten bots join, are acknowledged on the unreliable channel, get patches and RTT samples, and leave cleanly", async () => {
    const receivedBefore = await metricValue(server, "tickwire_messages_received_total");
    fleet = new ThinFleet({ endpoint: server.wsUrl });
    fleet.start();
    const host = await fleet.join({ index: 0 });
    await Promise.all(Array.from({ length: 9 }, (_, i) => fleet!.join({ index: i + 1, roomId: host.roomId })));
    expect(fleet.counters.joined).toBe(10);
    expect(await metricValue(server, "tickwire_clients")).toBe(10);

    await waitFor(() => fleet!.counters.unreliableFrames >= 10 * 30, "a second of unreliable frames for each bot");
    const rtt: number[] = [];
    await waitFor(() => rtt.push(...fleet!.takeRtt()) >= 10, "a ping answered for each bot", 5000);
    expect(rtt.every((ms) => ms >= 0 && ms < 1000)).toBe(true);
    expect(fleet.counters.reliablePatches).toBeGreaterThan(10 * 10);

    // The server counts every bot as acknowledging, and sends them unreliable frames.
    const room = await inspectRoom(server, host.roomId);
    expect(room.unreliable.clients).toHaveLength(10);
    for (const c of room.unreliable.clients) {
      expect(c.acking, c.sessionId).toBe(true);
      expect(c.framesSent).toBeGreaterThan(10);
    }
    // What the bots sent arrived: inputs, acks alone and pings are all frames the server counted.
    const c = fleet.counters;
    const sentByBots = c.inputsSent + c.bareAcks + c.pingsSent + 10; // + the JOIN_ROOM answers
    const received = (await metricValue(server, "tickwire_messages_received_total")) - receivedBefore;
    expect(received).toBeGreaterThanOrEqual(sentByBots * 0.9);
    expect(c.disconnects).toBe(0);
    expect(c.failed).toBe(0);

    const consentedBefore = await metricValue(server, "tickwire_client_closes_total", 'code="4000"');
    await fleet.leaveAll();
    fleet = undefined;
    await waitFor(async () => (await metricValue(server, "tickwire_clients")) === 0, "the server to see them gone");
    expect(await metricValue(server, "tickwire_client_closes_total", 'code="4000"')).toBe(consentedBefore + 10);
    expect(c.disconnects).toBe(0);
  });

  // The server reads Tickwire input frames (0x3f) into the room's input buffer: the thin bot's
  // inputs are consumed (its player's lastProcessedInputSeq) and move it.
  it("a thin bot's inputs are consumed and move its player, as a full SDK client sees it", async () => {
    fleet = new ThinFleet({ endpoint: server.wsUrl });
    fleet.start();
    const bot = await fleet.join({ index: 0 });
    const observer = await joinArenaById(new TickwireClient(server.wsUrl), bot.roomId, { name: "observer" });
    try {
      const first = await waitFor(() => observer.state.players.get(bot.sessionId), "the observer to see the bot");
      const x0 = first.x;
      const y0 = first.y;
      await waitFor(
        () => (observer.state.players.get(bot.sessionId)?.lastProcessedInputSeq ?? 0) > 0,
        "the server to consume the thin bot's inputs",
        5000,
      );
      await waitFor(
        () => {
          const p = observer.state.players.get(bot.sessionId);
          return p && Math.hypot(p.x - x0, p.y - y0) > 50;
        },
        "the thin bot's player to move",
        5000,
      );
    } finally {
      await observer.leave();
    }
  });
});
