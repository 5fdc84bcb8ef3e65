import { describe, expect, it } from "vitest";
import { ClientState, type Client } from "@colyseus/core";
import { EngineSerializer } from "../../server/src/colyseus.ts";
import { $refId, Decoder, StateView } from "@colyseus/schema";
import { createRng } from "@tickwire/shared";
import { ArenaState, Player } from "@tickwire/example-arena/shared";
import { UnreliableChannel, type ChannelEvents } from "../../server/src/transport/unreliable/channel.ts";
import { UnreliableFlusher, type ClientInterest } from "../../server/src/transport/unreliable/serializer.ts";

/** A socket whose backlog the test sets, keeping a copy of every frame sent. */
class RecordingSocket {
  backlog = 0;
  frames: Uint8Array[] = [];
  bufferedAmount() {
    return this.backlog;
  }
  send(frame: Uint8Array) {
    this.frames.push(frame.slice());
  }
}

const counted = { sent: 0, dropped: 0 };
const events: ChannelEvents = {
  sent: () => {
    counted.sent++;
  },
  dropped: () => {
    counted.dropped++;
  },
};

/** A joined client whose StateView holds `players`. */
function receiver(socket: RecordingSocket, players: Player[], sessionId = "c") {
  const channel = new UnreliableChannel(socket, { backlogThresholdBytes: 0, maxFramesInFlight: 8 }, events);
  const view = new StateView();
  for (const p of players) view.add(p);
  return { client: { state: ClientState.JOINED, channel, sessionId, view, players } as unknown as Client, channel };
}

/** Composed frames: each client holds the players of its view, all in the inner ring; the first is its own. */
const composed = (client: Client): ClientInterest => {
  const refs = (client as unknown as { players: object[] }).players.map(refOf);
  return { self: refs[0] ?? -1, near: refs, far: [], refresh: [] };
};

/** An attached schema instance's ref id. */
const refOf = (p: object) => (p as Record<symbol, number>)[$refId]!;

/** A player's fields other than the owner-only input acknowledgement. */
const publicFields = (p: { toJSON(): Record<string, unknown> }) => {
  const { lastProcessedInputSeq: _seq, ...rest } = p.toJSON();
  return rest;
};

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
    const serializer = new EngineSerializer<any>();
    serializer.reset(state);
    // The reliable pass ships the ADDs; from then on the fast fields ride the unreliable channel.
    serializer.applyPatches([], state);
    const flusher = new UnreliableFlusher(serializer, composed);

    const fastSock = new RecordingSocket();
    const slowSock = new RecordingSocket();
    const fast = receiver(fastSock, [a, b]);
    const slow = receiver(slowSock, [a, b]);
    const fastView = mirror((serializer.getFullState(fast.client) as Uint8Array).slice());
    const slowView = mirror((serializer.getFullState(slow.client) as Uint8Array).slice());

    // Tick 1: both take it.
    a.x = 110;
    state.tick = 1;
    flusher.flush([fast.client, slow.client], 0);
    // Ticks 2-4: the slow client's socket is backed up. `b` moves and then stops.
    slowSock.backlog = 10_000;
    a.x = 120;
    b.x = 510;
    b.vx = 300;
    state.tick = 2;
    expect(flusher.flush([fast.client, slow.client], 10)).toEqual({ sent: 1, keyframes: 0, dropped: 1 });
    a.x = 130;
    b.x = 515;
    b.vx = 0;
    state.tick = 3;
    flusher.flush([fast.client, slow.client], 20);
    a.aim = 1;
    state.tick = 4;
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
    const serializer = new EngineSerializer<any>();
    serializer.reset(state);
    serializer.applyPatches([], state);
    const sock = new RecordingSocket();
    const flusher = new UnreliableFlusher(serializer, composed);
    expect(flusher.flush([receiver(sock, []).client], 0)).toEqual({ sent: 0, keyframes: 0, dropped: 0 });
    state.tick = 1;
    expect(flusher.flush([receiver(sock, []).client], 0).sent).toBe(1);
  });

  it("composes frames that decode exactly as Colyseus' own per-view encode, for any visibility", () => {
    // Two rooms driven identically: one flushed through Colyseus' per-view encode (stock), one
    // through composed frames. Each has three clients with different views; their mirrors must
    // agree field for field after every tick, through drops and keyframes (the input
    // acknowledgement only for the client's own player: it is owner-only in composed frames).
    const rng = createRng(7).next;
    const build = (compose: boolean) => {
      const state = new ArenaState();
      const players = Array.from({ length: 6 }, (_, i) => new Player().assign({ name: `p${i}`, x: 100 * i, y: 50 }));
      for (const [i, p] of players.entries()) state.players.set(`p${i}`, p);
      const serializer = new EngineSerializer<any>();
      serializer.reset(state);
      const visible = [[players[0]!, players[1]!], [players[2]!, players[3]!, players[4]!], players];
      const sockets = visible.map(() => new RecordingSocket());
      const clients = visible.map((v, i) => receiver(sockets[i]!, v, `c${i}`).client);
      serializer.applyPatches([], state);
      const mirrors = clients.map((c) => mirror((serializer.getFullState(c) as Uint8Array).slice()));
      const flusher = compose ? new UnreliableFlusher(serializer, composed) : new UnreliableFlusher(serializer);
      return { state, players, sockets, clients, mirrors, flusher, visible };
    };
    const stock = build(false);
    const ours = build(true);
    for (let tick = 1; tick <= 40; tick++) {
      const moves = stock.players.map(() => ({ x: rng() * 4000, aim: rng() * 6, moves: rng() < 0.6 }));
      const backlog = tick % 7 === 3 ? 10_000 : 0;
      for (const room of [stock, ours]) {
        room.players.forEach((p, i) => {
          if (!moves[i]!.moves) return;
          p.x = moves[i]!.x;
          p.aim = moves[i]!.aim;
          p.lastProcessedInputSeq = tick;
        });
        room.state.tick = tick;
        room.sockets[1]!.backlog = backlog;
        room.flusher.flush(
          room.clients.map((c) => c),
          tick * 33,
        );
        room.sockets.forEach((sock, i) => {
          for (const f of sock.frames.splice(0)) room.mirrors[i]!.apply(f);
        });
      }
      for (let c = 0; c < 3; c++) {
        const mine = ours.mirrors[c]!.state;
        const theirs = stock.mirrors[c]!.state;
        expect(mine.tick).toBe(theirs.tick);
        expect([...mine.players.keys()]).toEqual([...theirs.players.keys()]);
        for (const [id, p] of mine.players) expect(publicFields(p)).toEqual(publicFields(theirs.players.get(id)!));
        const selfId = `p${ours.players.indexOf(ours.visible[c]![0]!)}`;
        expect(mine.players.get(selfId)!.lastProcessedInputSeq).toBe(theirs.players.get(selfId)!.lastProcessedInputSeq);
      }
    }
    // What each client holds is exactly its view, with the server's current values.
    const held = ours.mirrors.map((m) => [...m.state.players.keys()].sort());
    expect(held).toEqual([
      ["p0", "p1"],
      ["p2", "p3", "p4"],
      ["p0", "p1", "p2", "p3", "p4", "p5"],
    ]);
    for (const [id, p] of ours.mirrors[2]!.state.players)
      expect(publicFields(p)).toEqual(publicFields(ours.state.players.get(id)!));
    expect(
      (ours.clients[1] as unknown as { channel: UnreliableChannel }).channel.stats(0).keyframesSent,
    ).toBeGreaterThan(0);
    // Owner-only: the client holding everyone has a stale acknowledgement for the others.
    const others = [...ours.mirrors[2]!.state.players].filter(([id]) => id !== "p0");
    expect(
      others.some(([id, p]) => p.lastProcessedInputSeq !== ours.state.players.get(id)!.lastProcessedInputSeq),
    ).toBe(true);
  });

  it("sends outer-ring players every other flush with all that changed meanwhile, and catches up one moving inwards", () => {
    const state = new ArenaState();
    const players = Array.from({ length: 4 }, (_, i) => new Player().assign({ name: `p${i}`, x: 100 * i, y: 50 }));
    for (const [i, p] of players.entries()) state.players.set(`p${i}`, p);
    const serializer = new EngineSerializer<any>();
    serializer.reset(state);
    const sock = new RecordingSocket();
    const { client } = receiver(sock, players);
    serializer.applyPatches([], state);
    const view = mirror((serializer.getFullState(client) as Uint8Array).slice());
    const [self, near, far1, far2] = players as [Player, Player, Player, Player];
    const interest = {
      self: refOf(self),
      near: [self, near].map(refOf),
      far: [far1, far2].map(refOf),
      refresh: [] as number[],
    };
    const flusher = new UnreliableFlusher(serializer, () => interest, 2);
    const snapshot = () => players.map((p) => publicFields(p));
    // truth[t]: every player's public fields after tick t (0: as in the full state).
    const truth: Array<Record<string, unknown>[]> = [snapshot()];
    let caughtUp = 0;
    // far1 moves inwards at tick `inward`, right after a flush that was not its turn and in
    // which it changed its vy (nothing else does): the catch-up is the only way that reaches the
    // client. Its turns are the flushes f with (refId + f) even; flush f is tick f.
    const refId = refOf(far1);
    const inward = (refId + 10) % 2 === 1 ? 11 : 12;
    for (let tick = 1; tick <= 20; tick++) {
      // Each field changes on its own ticks, so a catch-up must carry the older ones too.
      for (const p of players) {
        if (tick % 2 === 0) p.x = 10 * tick + p.y;
        if (tick % 3 === 0) p.vx = tick;
        p.aim = tick / 10;
      }
      if (tick === inward - 1) far1.vy = -77;
      if (tick === inward) {
        interest.refresh.push(refOf(far1));
        interest.near = [self, near, far1].map(refOf);
        interest.far = [refOf(far2)];
      }
      state.tick = tick;
      truth.push(snapshot());
      flusher.flush([client], tick * 33);
      for (const f of sock.frames.splice(0)) view.apply(f);
      const held = players.map((_, i) => publicFields(view.state.players.get(`p${i}`)!));
      // The inner ring is always current.
      expect(held[0]).toEqual(truth[tick]![0]);
      expect(held[1]).toEqual(truth[tick]![1]);
      // The outer ring is current on its turn and at most one flush behind otherwise.
      for (const i of [2, 3]) {
        const now = truth[tick]![i];
        if (JSON.stringify(held[i]) === JSON.stringify(now)) caughtUp++;
        else expect(held[i]).toEqual(truth[tick - 1]![i]);
      }
      // From the flush it moved inwards, far1 is current.
      if (tick >= inward) expect(held[2]).toEqual(truth[tick]![2]);
      expect(interest.refresh).toEqual([]);
    }
    // About half the outer-ring samples were current (their turns), the rest one behind.
    expect(caughtUp).toBeGreaterThanOrEqual(15);
    expect(caughtUp).toBeLessThan(40);
  });
});
