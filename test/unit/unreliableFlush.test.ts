import { describe, expect, it } from "vitest";
import { ClientState, SchemaSerializer, type Client } from "@colyseus/core";
import { Decoder } from "@colyseus/schema";
import { ArenaState, Player } from "@tickwire/shared";
import { UnreliableChannel, type ChannelEvents } from "../../server/src/transport/unreliable/channel.ts";
import { UnreliableFlusher } from "../../server/src/transport/unreliable/serializer.ts";

/** A socket whose backlog the test sets, keeping a copy of every frame sent. */
class RecordingSocket {
  backlog = 0;
  frames: Uint8Array[] = [];
  bufferedAmount() { return this.backlog; }
  send(frame: Uint8Array) { this.frames.push(frame.slice()); }
}

const counted = { sent: 0, dropped: 0 };
const events: ChannelEvents = { sent: () => { counted.sent++; }, dropped: () => { counted.dropped++; } };

function receiver(socket: RecordingSocket) {
  const channel = new UnreliableChannel(socket, { backlogThresholdBytes: 0, maxFramesInFlight: 8 }, events);
  return { client: { state: ClientState.JOINED, channel, sessionId: "c", view: undefined } as unknown as Client, channel };
}

/** A client-side copy of the state, fed the server's frames as the SDK would. */
function mirror(full: Uint8Array) {
  const state = new ArenaState();
  const decoder = new Decoder(state);
  decoder.decode(full as Buffer, { offset: 1 });
  return { state, apply: (frame: Uint8Array) => decoder.decode(frame as Buffer, { offset: 3 }) };
}

const seqOf = (f: Uint8Array) => f[1]! | (f[2]! << 8);

describe("unreliable flush", () => {
  it("sends deltas to a client that keeps up, and a keyframe to one that missed frames", () => {
    const state = new ArenaState();
    const a = new Player().assign({ name: "a", x: 100, y: 100 });
    const b = new Player().assign({ name: "b", x: 500, y: 500 });
    state.players.set("a", a);
    state.players.set("b", b);
    const serializer = new SchemaSerializer<any>();
    serializer.reset(state);
    // The reliable pass ships the ADDs; from then on the fast fields ride the unreliable channel.
    serializer.applyPatches([], state);
    const fullState = serializer.getFullState() as Uint8Array;
    const flusher = new UnreliableFlusher(serializer);

    const fastSock = new RecordingSocket();
    const slowSock = new RecordingSocket();
    const fast = receiver(fastSock);
    const slow = receiver(slowSock);
    const fastView = mirror(fullState);
    const slowView = mirror(fullState);

    // Tick 1: both take it.
    a.x = 110; state.tick = 1;
    flusher.flush([fast.client, slow.client], 0);
    // Ticks 2-4: the slow client's socket is backed up. `b` moves and then stops.
    slowSock.backlog = 10_000;
    a.x = 120; b.x = 510; b.vx = 300; state.tick = 2;
    expect(flusher.flush([fast.client, slow.client], 10)).toEqual({ sent: 1, keyframes: 0, dropped: 1 });
    a.x = 130; b.x = 515; b.vx = 0; state.tick = 3;
    flusher.flush([fast.client, slow.client], 20);
    a.aim = 1; state.tick = 4;
    flusher.flush([fast.client, slow.client], 30);
    expect(slow.channel.needsKeyframe).toBe(true);

    // The slow socket drains; nothing changes this tick for `b`, yet the slow client is repaired.
    slowSock.backlog = 0;
    state.tick = 5;
    expect(flusher.flush([fast.client, slow.client], 40)).toEqual({ sent: 2, keyframes: 1, dropped: 0 });
    expect(slow.channel.needsKeyframe).toBe(false);

    for (const f of fastSock.frames) fastView.apply(f);
    for (const f of slowSock.frames) slowView.apply(f);
    for (const view of [fastView.state, slowView.state]) {
      expect(view.tick).toBe(5);
      expect(view.players.get("a")!.toJSON()).toEqual(a.toJSON());
      expect(view.players.get("b")!.toJSON()).toEqual(b.toJSON());
    }
    // The keyframe is bigger than the tick-5 delta (which carries only the tick).
    expect(slowSock.frames[1]!.byteLength).toBeGreaterThan(fastSock.frames[4]!.byteLength);
    // Each client numbers its own frames from 1, counting only frames it was sent.
    expect(fastSock.frames.map(seqOf)).toEqual([1, 2, 3, 4, 5]);
    expect(slowSock.frames.map(seqOf)).toEqual([1, 2]);
  });

  it("sends nothing to a client that is up to date when nothing changed", () => {
    const state = new ArenaState();
    const serializer = new SchemaSerializer<any>();
    serializer.reset(state);
    serializer.applyPatches([], state);
    const sock = new RecordingSocket();
    const flusher = new UnreliableFlusher(serializer);
    expect(flusher.flush([receiver(sock).client], 0)).toEqual({ sent: 0, keyframes: 0, dropped: 0 });
    state.tick = 1;
    expect(flusher.flush([receiver(sock).client], 0).sent).toBe(1);
  });
});
