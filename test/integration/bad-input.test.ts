import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Protocol } from "@colyseus/sdk";
import {
  joinArenaById,
  joinArena,
  TickwireClient,
  CloseCodes,
  ErrorReasons,
  SIM,
  type ArenaConnection,
  type ErrorNotice,
} from "@tickwire/example-arena/client";
import { INPUT_FRAME_CODE, prependAck, TickwireProtocol } from "@tickwire/shared/protocol";
import { startServer, metricValue, type RunningServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// Every bad input has a defined outcome, documented in the README:
// - ignored with a count and an `error` notice (the client stays), or
// - the sender is closed with a documented close code.
// Either way the process, the room and the honest client in it carry on.

const MAX_MESSAGES_PER_SECOND = 60;
const MAX_MESSAGE_BYTES = 2048;

let server: RunningServer;
let honest: ArenaConnection;
const open: ArenaConnection[] = [];

beforeAll(async () => {
  server = await startServer({
    MAX_MESSAGES_PER_SECOND: String(MAX_MESSAGES_PER_SECOND),
    MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
  });
  honest = await joinArena(new TickwireClient(server.wsUrl), { name: "honest" });
  open.push(honest);
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.leave()));
  await server?.stop();
});

async function joinAttacker(): Promise<{ conn: ArenaConnection; notices: ErrorNotice[]; closed: Promise<number> }> {
  const conn = await joinArenaById(new TickwireClient(server.wsUrl), honest.roomId, { name: "attacker" });
  open.push(conn);
  await waitFor(() => conn.self, "attacker's own state");
  const notices: ErrorNotice[] = [];
  conn.on("error", (n) => notices.push(n));
  const closed = new Promise<number>((resolve) => {
    conn.on("leave", resolve);
    conn.room.onDrop((code) => resolve(code));
  });
  return { conn, notices, closed };
}

const sendRaw = (conn: ArenaConnection, bytes: number[] | Uint8Array) =>
  conn.room.connection.send(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));

/** The room still ticks and the honest client still receives patches. */
async function honestStillServed(): Promise<void> {
  const t = honest.state.tick;
  await waitFor(() => honest.state.tick > t + 5, "honest client to receive more patches");
  expect(honest.closed).toBe(false);
}

/**
 * Joins an attacker, lets `attack` send its frames, and checks that the attacker is closed with
 * `code`, the rejection is counted once under `reason`, and the honest client is still served.
 */
async function closesAndCounts(attack: (conn: ArenaConnection) => void, code: number, reason: string): Promise<void> {
  const { conn, closed } = await joinAttacker();
  const before = await metricValue(server, "tickwire_messages_rejected_total", `reason="${reason}"`);
  const seatsWith = await seats();
  attack(conn);
  expect(await closed).toBe(code);
  expect(await metricValue(server, "tickwire_messages_rejected_total", `reason="${reason}"`)).toBe(before + 1);
  // A kicked client's seat is freed at once, not held for the 20 s reconnection window.
  await waitFor(async () => (await seats()) === seatsWith - 1, "the kicked client's seat to be freed", 5000);
  await honestStillServed();
}

/** Connected clients plus held or reserved seats on the server. */
const seats = async (): Promise<number> => (await (await fetch(`${server.httpUrl}/healthz`)).json()).seats;

describe("bad input", () => {
  it("a chat payload of the wrong type is ignored with an error notice and a count", async () => {
    const { conn, notices } = await joinAttacker();
    const before = await metricValue(
      server,
      "tickwire_messages_rejected_total",
      `reason="${ErrorReasons.INVALID_PAYLOAD}"`,
    );
    conn.room.send("chat", { not: "a string" });
    conn.room.send("chat", 12345);
    await waitFor(() => notices.length >= 2, "two error notices");
    expect(notices[0]).toMatchObject({ reason: ErrorReasons.INVALID_PAYLOAD, type: "chat" });
    expect(
      await metricValue(server, "tickwire_messages_rejected_total", `reason="${ErrorReasons.INVALID_PAYLOAD}"`),
    ).toBe(before + 2);
    // Still connected: a valid chat line goes through afterwards.
    const heard = new Promise((r) => honest.on("chat", r));
    conn.chat("still here");
    expect(await heard).toMatchObject({ text: "still here", name: "attacker" });
    await honestStillServed();
  });

  it("an unknown message type is ignored with an error notice and a count", async () => {
    const { conn, notices } = await joinAttacker();
    const before = await metricValue(
      server,
      "tickwire_messages_rejected_total",
      `reason="${ErrorReasons.UNKNOWN_MESSAGE}"`,
    );
    conn.room.send("teleport", { x: 0, y: 0 });
    await waitFor(() => notices.length >= 1, "error notice");
    expect(notices[0]).toMatchObject({ reason: ErrorReasons.UNKNOWN_MESSAGE, type: "teleport" });
    expect(
      await metricValue(server, "tickwire_messages_rejected_total", `reason="${ErrorReasons.UNKNOWN_MESSAGE}"`),
    ).toBe(before + 1);
    expect(conn.closed).toBe(false);
    await honestStillServed();
  });

  it("NaN and huge input values are clamped: no wild movement, counted", async () => {
    const { conn } = await joinAttacker();
    const before = await metricValue(server, "tickwire_inputs_sanitized_total");
    const self = conn.self!;
    const x0 = self.x;
    const y0 = self.y;
    // NaN on x must not become -1 (walk left); 1e30 on y clamps to full stick.
    for (let i = 0; i < 15; i++) conn.sendInput({ moveX: NaN, moveY: 1e30, aim: Infinity });
    await waitFor(() => conn.self!.lastProcessedInputSeq === conn.lastSentSeq, "all inputs simulated");
    expect(await metricValue(server, "tickwire_inputs_sanitized_total")).toBeGreaterThanOrEqual(before + 15);
    await waitFor(() => Math.abs(conn.self!.vx) < 1e-6 && conn.self!.y !== y0, "movement along y only");
    expect(Math.abs(conn.self!.x - x0)).toBeLessThan(0.5);
    expect(Math.hypot(conn.self!.vx, conn.self!.vy)).toBeLessThanOrEqual(SIM.MAX_SPEED + 1);
    expect(Number.isFinite(conn.self!.aim)).toBe(true);
    await honestStillServed();
  });

  it("truncated and unknown protocol frames are ignored; the sender stays connected", async () => {
    const { conn } = await joinAttacker();
    const frames = [
      [Protocol.ROOM_DATA],
      [Protocol.ROOM_DATA, 0xd9, 0xff],
      [Protocol.ROOM_DATA_BYTES, 0xd9],
      [Protocol.ROOM_INPUT_RELIABLE, 0xff, 0xff, 0xff, 0xff, 0xff, 0x99],
      [Protocol.ROOM_INPUT_RELIABLE],
      [Protocol.ROOM_REQUEST, 0xdb, 0xff, 0xff, 0xff, 0xff],
      [250, 1, 2, 3],
      [],
    ];
    for (const f of frames) sendRaw(conn, f);
    // After the garbage the socket still answers a ping, and the room still takes the sender's
    // inputs: one sent now is processed and acknowledged in its own state.
    await new Promise<number>((r) => conn.room.ping(r));
    await waitFor(() => conn.self, "the sender's own player");
    const before = conn.self!.lastProcessedInputSeq;
    conn.sendInput({ moveX: 1, moveY: 0 });
    const sent = conn.lastSentSeq;
    expect(sent).toBeGreaterThan(before);
    await waitFor(() => conn.self!.lastProcessedInputSeq >= sent, "the sender's input processed after the garbage");
    expect(conn.closed).toBe(false);
    expect((await (await fetch(`${server.httpUrl}/healthz`)).json()).status).toBe("ok");
    await honestStillServed();
  });

  it("a message whose payload is not decodable closes its sender with PROTOCOL_VIOLATION", async () => {
    const { conn, closed } = await joinAttacker();
    // ROOM_DATA, numeric type 1, then a msgpack str8 header announcing 255 bytes that never come.
    sendRaw(conn, [Protocol.ROOM_DATA, 0x01, 0xd9, 0xff]);
    expect(await closed).toBe(CloseCodes.PROTOCOL_VIOLATION);
    await honestStillServed();
  });

  it("an oversized payload closes its sender with MESSAGE_TOO_BIG", async () => {
    await closesAndCounts(
      (conn) => conn.room.send("chat", "x".repeat(MAX_MESSAGE_BYTES + 100)),
      CloseCodes.MESSAGE_TOO_BIG,
      "oversized",
    );
  });

  it("a message flood closes its sender with RATE_LIMITED and is counted", async () => {
    const { conn, closed } = await joinAttacker();
    const before = await metricValue(server, "tickwire_client_closes_total", `code="${CloseCodes.RATE_LIMITED}"`);
    const limitBefore = await metricValue(server, "tickwire_limit_closes_total", `limit="rate"`);
    for (let i = 0; i < MAX_MESSAGES_PER_SECOND * 5; i++) conn.chat(`spam ${i}`);
    expect(await closed).toBe(CloseCodes.RATE_LIMITED);
    await waitFor(
      async () =>
        (await metricValue(server, "tickwire_client_closes_total", `code="${CloseCodes.RATE_LIMITED}"`)) === before + 1,
      "flood close counted",
    );
    expect(await metricValue(server, "tickwire_limit_closes_total", `limit="rate"`)).toBe(limitBefore + 1);
    await honestStillServed();
  });

  it("a client sending just under the rate limit for 3 s is not closed", async () => {
    const { conn } = await joinAttacker();
    // 80% of the limit, spread over each second: the bucket never empties.
    const perTick = Math.floor((MAX_MESSAGES_PER_SECOND * 0.8) / 10);
    for (let s = 0; s < 30; s++) {
      for (let i = 0; i < perTick; i++) sendRaw(conn, [Protocol.PING]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(conn.closed).toBe(false);
  });

  it("acks for frames never sent are ignored; the sender keeps its unreliable frames", async () => {
    const { conn } = await joinAttacker();
    for (const seq of [0, 9999, 65535, 40000]) sendRaw(conn, prependAck({ seq, heldMs: 65535 }));
    // An ack riding on a frame Colyseus does not know: the ack is taken, the rest ignored.
    sendRaw(conn, prependAck({ seq: 123, heldMs: 0 }, new Uint8Array([250, 1, 2])));
    const frames = conn.counters.unreliableFrames;
    await waitFor(() => conn.counters.unreliableFrames > frames + 10, "more unreliable frames");
    expect(conn.closed).toBe(false);
    await honestStillServed();
  });

  it("a truncated ack closes its sender with PROTOCOL_VIOLATION and is counted", async () => {
    await closesAndCounts(
      (conn) => sendRaw(conn, [TickwireProtocol.ACK, 1, 0]),
      CloseCodes.PROTOCOL_VIOLATION,
      "malformed_frame",
    );
  });

  it.each([
    ["a count of 0", [INPUT_FRAME_CODE, 1, 0, 0, 0, 0]],
    ["a count past the bodies it carries", [INPUT_FRAME_CODE, 1, 0, 0, 0, 3, ...new Array(21).fill(0)]],
    ["a header cut short", [INPUT_FRAME_CODE, 1, 0]],
  ])(
    "a Tickwire input frame with %s closes its sender with PROTOCOL_VIOLATION and is counted",
    async (_what, frame) => {
      await closesAndCounts((conn) => sendRaw(conn, frame), CloseCodes.PROTOCOL_VIOLATION, "malformed_frame");
    },
  );

  it("an ack flood closes its sender with PROTOCOL_VIOLATION and is counted", async () => {
    await closesAndCounts(
      (conn) => {
        for (let i = 0; i < MAX_MESSAGES_PER_SECOND * 3; i++) sendRaw(conn, prependAck({ seq: i, heldMs: 0 }));
      },
      CloseCodes.PROTOCOL_VIOLATION,
      "ack_flood",
    );
  });
});
