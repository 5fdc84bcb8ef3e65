import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@colyseus/sdk";
import { joinArena, joinArenaById, TickwireClient } from "@tickwire/example-arena/client";
import { ArenaState } from "@tickwire/example-arena/shared";
import { BUNDLE_CODE, prependAck, unreliableSeqOf } from "@tickwire/shared/protocol";
import { SEE_ALL, startServer, metricValue, inspectRoom, type RunningServer } from "../helpers/server.ts";
import { waitFor, elapse } from "../helpers/wait.ts";
import { drive } from "../helpers/drive.ts";

// A flush's frames for one client leave as one WebSocket frame (a bundle) when the client said
// it reads bundles; any other client gets them as plain frames.

const TICK_HZ = 30;
const PATCH_HZ = 20;

describe("one WebSocket frame per client per flush", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer(SEE_ALL);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("a Tickwire client gets the reliable patch and the unreliable frame of a flush in one bundle", async () => {
    const client = new TickwireClient(server.wsUrl);
    const mover = await joinArena(client, { name: "mover" });
    const watcher = await joinArenaById(client, mover.roomId, { name: "watcher" });
    const stop = drive(mover, (t) => ({ moveX: Math.cos(t / 10), moveY: Math.sin(t / 10) }));
    try {
      await elapse(500);
      const frames0 = await metricValue(server, "tickwire_messages_sent_total");
      const unreliable0 = await metricValue(server, "tickwire_unreliable_frames_sent_total", 'kind="delta"');
      const parts0 = watcher.counters.framesReceived;
      const watcherUnreliable0 = watcher.counters.unreliableFrames;
      await elapse(2000);
      const frames = (await metricValue(server, "tickwire_messages_sent_total")) - frames0;
      const unreliable =
        (await metricValue(server, "tickwire_unreliable_frames_sent_total", 'kind="delta"')) - unreliable0;
      const parts = watcher.counters.framesReceived - parts0;
      const watcherUnreliable = watcher.counters.unreliableFrames - watcherUnreliable0;
      // Each client gets about TICK_HZ unreliable frames and PATCH_HZ reliable patches a second.
      expect(unreliable).toBeGreaterThan(2 * 2 * TICK_HZ * 0.7);
      expect(parts / watcherUnreliable).toBeGreaterThan(1 + (PATCH_HZ / TICK_HZ) * 0.7);
      // ...but as one WebSocket frame per flush (unbundled, frames / unreliable would be ~1.67).
      expect(frames / unreliable).toBeLessThan(1.1);
    } finally {
      stop();
      await watcher.leave();
      await mover.leave();
    }
  });

  it("a client that acknowledges but never said it reads bundles (an SDK from before them) gets plain frames", async () => {
    const mover = await joinArena(new TickwireClient(server.wsUrl), { name: "mover" });
    const old = await new Client(server.wsUrl).joinById(mover.roomId, { name: "old" }, ArenaState);
    // It acknowledges every unreliable frame, as SDKs did before bundles, and sends no hello.
    const connection = old.connection as any;
    const decode = connection.events.onmessage;
    let bundles = 0;
    connection.events.onmessage = (ev: MessageEvent) => {
      const frame = new Uint8Array(ev.data as ArrayBuffer);
      if (frame[0] === BUNDLE_CODE) bundles++;
      const seq = unreliableSeqOf(frame);
      if (seq !== undefined) connection.transport.send(prependAck({ seq, heldMs: 0 }));
      decode(ev);
    };
    connection.transport.send(prependAck({ seq: 0, heldMs: 0 }));
    const stop = drive(mover, (t) => ({ moveX: Math.cos(t / 10), moveY: Math.sin(t / 10) }));
    try {
      await waitFor(() => old.state.players?.get(mover.sessionId), "the old client to see the mover");
      const x0 = old.state.players.get(mover.sessionId)!.x;
      // A bundle would be an unknown frame to it: it would see the mover stand still.
      await waitFor(() => Math.abs(old.state.players.get(mover.sessionId)!.x - x0) > 20, "the mover to move on it");
      const room = await inspectRoom(server, mover.roomId);
      expect(room.unreliable.clients.find((c: any) => c.sessionId === old.sessionId).acking).toBe(true);
      expect(bundles).toBe(0);
    } finally {
      stop();
      await old.leave();
      await mover.leave();
    }
  });
});
