import { describe, expect, it } from "vitest";
import { ClientState, type Client } from "@colyseus/core";
import { $refId, StateView } from "@colyseus/schema";
import { Room } from "@colyseus/sdk";
import { readAckHeader, TickwireProtocol } from "@tickwire/shared/protocol";
import { ArenaState, Player } from "@tickwire/example-arena/shared";
import { ClientChannel } from "@tickwire/client-sdk";
import { EngineSerializer } from "../../server/src/colyseus.ts";
import { UnreliableChannel } from "../../server/src/transport/unreliable/channel.ts";
import { UnreliableFlusher } from "../../server/src/transport/unreliable/serializer.ts";

// The client path of the unreliable channel: frames are encoded by the server's own flush,
// then handed to a real SDK Room in a crafted order, as a reordering or duplicating network
// would deliver them. Only the socket under the Room is a stand-in (it records what is sent).

/** Server side: five ticks in which player `a` moves right, one frame per tick. */
function serverFrames() {
  const state = new ArenaState();
  const a = new Player().assign({ name: "a", x: 100, y: 100 });
  state.players.set("a", a);
  const serializer = new EngineSerializer<any>();
  serializer.reset(state);
  serializer.applyPatches([], state);
  const view = new StateView();
  view.add(a);
  const frames: Uint8Array[] = [];
  const channel = new UnreliableChannel(
    { bufferedAmount: () => 0, send: (f) => frames.push(f.slice()) },
    { backlogThresholdBytes: 0, maxFramesInFlight: 64 },
    { sent() {}, dropped() {} },
  );
  const client = { state: ClientState.JOINED, channel, view } as unknown as Client;
  const full = (serializer.getFullState(client) as Uint8Array).slice();
  const ref = (a as unknown as Record<symbol, number>)[$refId]!;
  const flusher = new UnreliableFlusher(serializer, () => ({ self: ref, near: [ref], far: [], refresh: [] }));
  const xs: number[] = [];
  for (let tick = 1; tick <= 5; tick++) {
    a.x = 100 + tick * 10;
    state.tick = tick;
    xs.push(a.x);
    flusher.flush([client], tick);
  }
  return { full, frames, xs };
}

/** A real SDK Room on a stand-in socket, with Tickwire's client channel attached. */
function clientRoom() {
  const room = new Room<any, ArenaState>("arena", ArenaState);
  const sent: Uint8Array[] = [];
  const connection = {
    isOpen: true,
    events: {} as Record<string, (ev: any) => void>,
    transport: { ws: { bufferedAmount: 0 }, send: (d: Uint8Array) => sent.push(d.slice()) },
    sendUnreliable(_d: Uint8Array) {},
  };
  (room as any).connection = connection;
  // As Room.connect() wires it.
  connection.events.onmessage = (ev) => (room as any).onMessageCallback(ev);
  const channel = new ClientChannel(room, { ackDelayMs: 0 });
  const deliver = (frame: Uint8Array) => connection.events.onmessage!({ data: frame.slice().buffer });
  return { room, channel, sent, deliver };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe("client path of the unreliable channel", () => {
  it("never moves an entity backwards when frames arrive out of order or twice", async () => {
    const { full, frames, xs } = serverFrames();
    const { room, deliver, sent } = clientRoom();
    deliver(full);
    const seen: Array<{ tick: number; x: number }> = [];
    const look = () => seen.push({ tick: room.state.tick, x: room.state.players.get("a")!.x });

    for (const i of [0, 1, 3, 2, 3, 1, 0, 4, 2, 4]) {
      deliver(frames[i]!);
      look();
    }
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.tick).toBeGreaterThanOrEqual(seen[i - 1]!.tick);
      expect(seen[i]!.x).toBeGreaterThanOrEqual(seen[i - 1]!.x);
    }
    expect(seen.map((s) => s.tick)).toEqual([1, 2, 4, 4, 4, 4, 4, 5, 5, 5]);
    expect(room.state.players.get("a")!.x).toBeCloseTo(xs[4]!, 1);

    // Only the newest frame is acknowledged, once: late and repeated frames add nothing.
    await settle();
    const acks = sent
      .filter((f) => f[0] === TickwireProtocol.ACK)
      .map((f) => readAckHeader(f)!.seq)
      .filter((seq) => seq !== 0);
    expect(acks[acks.length - 1]).toBe(5);
    expect(new Set(acks).size).toBe(acks.length);
    expect(acks).not.toContain(3);
  });

  it("rides an acknowledgement on the next input frame, and skips input sends while the socket is backed up", async () => {
    const { full, frames } = serverFrames();
    const { room, deliver, sent, channel } = clientRoom();
    // On attach, an ack of nothing tells the server this client acknowledges.
    expect(sent).toHaveLength(1);
    expect(readAckHeader(sent[0]!)).toEqual({ seq: 0, heldMs: 0 });
    deliver(full);
    deliver(frames[0]!);
    const input = new Uint8Array([20, 1, 2, 3]);
    (room.connection as any).sendUnreliable(input);
    expect(sent).toHaveLength(2);
    const ack = readAckHeader(sent[1]!)!;
    expect(ack.seq).toBe(1);
    expect([...sent[1]!.subarray(5)]).toEqual([...input]);
    expect(channel.counters.acksPiggybacked).toBe(1);

    (room.connection as any).transport.ws.bufferedAmount = 1 << 20;
    (room.connection as any).sendUnreliable(input);
    expect(sent).toHaveLength(2);
    expect(channel.counters.inputsSkipped).toBe(1);
  });
});
