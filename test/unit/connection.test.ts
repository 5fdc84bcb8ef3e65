import { describe, expect, it } from "vitest";
import { Encoder } from "@colyseus/schema";
import { Protocol, Room } from "@colyseus/sdk";
import { Connection, defineClientGame } from "@tickwire/client-sdk";
import { defineEntity, defineInput, defineState, inputAck, t, type SchemaType } from "@tickwire/shared";

// A Connection on a real SDK Room whose socket is a stand-in: the state frames are encoded by
// @colyseus/schema's own Encoder, as a server would send them, and handed to the Room.

const Runner = defineEntity({ x: t.float64().default(0), y: t.float64().default(0), ack: inputAck() }, "Runner");
const Coin = defineEntity({ x: t.float64().default(0), y: t.float64().default(0) }, "Coin");
const RaceState = defineState({ runners: t.map(Runner), coins: t.map(Coin) }, "RaceState");
type RaceState = SchemaType<typeof RaceState>;
const RaceInput = defineInput({ dx: t.float32().default(0), dy: t.float32().default(0) }, "RaceInput");
type RaceInput = SchemaType<typeof RaceInput>;

const stepped: RaceInput[] = [];
const raceGame = defineClientGame({
  state: RaceState,
  input: RaceInput,
  sanitizeInput(input: RaceInput) {
    input.dx = Math.max(-1, Math.min(1, input.dx));
  },
  predict: {
    collection: "runners",
    fields: ["x", "y"],
    position: ["x", "y"],
    step(body, input, dt) {
      stepped.push({ ...input });
      body.x += input.dx * 100 * dt;
      body.y += input.dy * 100 * dt;
    },
  },
});

function setup() {
  const state = new RaceState();
  state.tickRate = 30;
  state.runners.set("me", new Runner().assign({ x: 10 }));
  state.coins.set("c1", new Coin());
  const encoder = new Encoder(state);
  const room = new Room<any, RaceState>("race", RaceState);
  room.sessionId = "me";
  const connection = {
    isOpen: true,
    events: {} as Record<string, (ev: unknown) => void>,
    transport: { ws: { bufferedAmount: 0 }, send() {} },
    sendUnreliable(_d: Uint8Array) {},
    reconnect() {},
  };
  (room as unknown as { connection: unknown }).connection = connection;
  // As Room.connect() wires it.
  connection.events.onmessage = (ev) =>
    (room as unknown as { onMessageCallback(ev: unknown): void }).onMessageCallback(ev);
  const deliver = (code: number, bytes: Uint8Array) => {
    const frame = new Uint8Array(bytes.byteLength + 1);
    frame[0] = code;
    frame.set(bytes, 1);
    connection.events.onmessage!({ data: frame.buffer });
  };
  const conn = new Connection<RaceState, RaceInput, typeof raceGame>(room, raceGame, { pingIntervalMs: 0 });
  return {
    state,
    conn,
    /** The full state, as on join. */
    join: () => deliver(Protocol.ROOM_STATE, encoder.encodeAll().slice()),
    /** The changes since the last frame. */
    patch: () => {
      deliver(Protocol.ROOM_STATE_PATCH, encoder.encode().slice());
      encoder.discardChanges();
    },
  };
}

describe("a connection, for any game", () => {
  it("reports entities entering and leaving this client's state, per collection, the own one and those present at join included", () => {
    const { state, conn, join, patch } = setup();
    const seen: string[] = [];
    conn.onEnter("runners", (_r, id) => seen.push(`+runner ${id}`));
    conn.onLeave("runners", (_r, id) => seen.push(`-runner ${id}`));
    conn.onEnter("coins", (_c, id) => seen.push(`+coin ${id}`));
    conn.onLeave("coins", (_c, id) => seen.push(`-coin ${id}`));
    join();
    expect(seen.sort()).toEqual(["+coin c1", "+runner me"]);
    seen.length = 0;

    state.coins.set("c2", new Coin().assign({ x: 5 }));
    state.coins.delete("c1");
    state.runners.set("bob", new Runner());
    patch();
    expect(seen.sort()).toEqual(["+coin c2", "+runner bob", "-coin c1"]);
    expect(conn.entities("coins").map((c) => c.id)).toEqual(["c2"]);
    // Registered after the join, a handler hears of those already there.
    const late: string[] = [];
    conn.onEnter("coins", (_c, id) => late.push(id));
    expect(late).toEqual(["c2"]);
    expect(conn.self).toBe(conn.state.runners.get("me"));
  });

  it("an input is sent with the next seq and predicted as the server steps it: float32-rounded, then sanitized", () => {
    const { conn, join } = setup();
    join();
    expect(conn.predicted()).toMatchObject({ x: 10, y: 0 });
    stepped.length = 0;
    expect(conn.sendInput({ dx: 5, dy: 0.1 })).toBe(1);
    expect(conn.sendInput({ dx: 0.3 })).toBe(2);
    expect(stepped).toEqual([
      { seq: 1, dx: 1, dy: Math.fround(0.1) },
      // A field left out is sent as its default.
      { seq: 2, dx: Math.fround(0.3), dy: 0 },
    ]);
    expect(Math.fround(0.1)).not.toBe(0.1);
    expect(conn.predicted()!.x).toBeCloseTo(10 + (100 + Math.fround(0.3) * 100) / 30, 9);
    expect(conn.lastSentSeq).toBe(2);
    expect(conn.predictor!.pendingSeqs).toEqual([1, 2]);
  });
});
