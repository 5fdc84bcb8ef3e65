import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  joinArenaById,
  joinArena,
  createArena,
  TickwireClient,
  type ArenaConnection,
} from "@tickwire/example-arena/client";
import { freshRedisDb, listedRooms, startNode, type ClusterNode } from "../helpers/cluster.ts";
import { SEE_ALL } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// Two real server processes sharing one real Redis (RedisPresence + RedisDriver), each with its
// own PUBLIC_ADDRESS, as `npm run start:cluster` runs them.

let a: ClusterNode;
let b: ClusterNode;
const open: ArenaConnection[] = [];
const keep = <T extends ArenaConnection>(c: T) => {
  open.push(c);
  return c;
};

beforeAll(async () => {
  const redis = await freshRedisDb(11);
  [a, b] = await Promise.all([startNode(redis, SEE_ALL), startNode(redis, SEE_ALL)]);
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.leave()));
  await Promise.allSettled([a?.stop(), b?.stop()]);
});

describe("two processes on one Redis", () => {
  const roomIds: string[] = [];

  it("rooms created through either process are spread over both", async () => {
    expect(a.processId).not.toBe(b.processId);
    // Alternate the process the request goes to; placement follows room counts (published about
    // once a second), not the entry point.
    for (const node of [a, b, a, b]) {
      const conn = keep(
        await createArena(new TickwireClient(node.wsUrl, { maxReconnectAttempts: 0 }), { name: "creator" }),
      );
      roomIds.push(conn.roomId);
      await waitFor(() => conn.self, "own player in a new room");
    }
    const listed = await listedRooms(a);
    const hosts = roomIds.map((id) => listed.find((r) => r.roomId === id)?.processId);
    expect(hosts.every((h) => h === a.processId || h === b.processId)).toBe(true);
    expect(hosts).toContain(a.processId);
    expect(hosts).toContain(b.processId);
  });

  it("a client joins a room hosted on the other process by id, and both players see each other", async () => {
    const listed = await listedRooms(a);
    const onB = listed.find((r) => r.processId === b.processId)!;
    expect(onB.publicAddress).toBe(`127.0.0.1:${b.port}`);
    const clientsOf = async (node: ClusterNode) =>
      (await (await fetch(`${node.httpUrl}/healthz`)).json()).clients as number;
    const [onA0, onB0] = [await clientsOf(a), await clientsOf(b)];
    const guest = keep(
      await joinArenaById(new TickwireClient(a.wsUrl, { maxReconnectAttempts: 0 }), onB.roomId, { name: "guest" }),
    );
    await waitFor(() => guest.state.players.size === 2, "both players in the guest's state");
    const names = [...guest.state.players.values()].map((p) => p.name).sort();
    expect(names).toEqual(["creator", "guest"]);
    // The guest asked process a, but its socket went to the hosting process b.
    expect(await clientsOf(b)).toBe(onB0 + 1);
    expect(await clientsOf(a)).toBe(onA0);
  });

  it("the monitor of either process lists the rooms of both", async () => {
    for (const node of [a, b]) {
      const listed = await listedRooms(node);
      expect(new Set(listed.map((r) => r.processId))).toEqual(new Set([a.processId, b.processId]));
      for (const id of roomIds) expect(listed.some((r) => r.roomId === id)).toBe(true);
    }
  });

  it("after SIGKILL of one process its rooms leave the listing, new joins land on the survivor, and its clients carry on", async () => {
    const listed = await listedRooms(a);
    const survivorRoom = listed.find((r) => r.processId === a.processId)!;
    const survivor = keep(await joinArenaById(new TickwireClient(a.wsUrl), survivorRoom.roomId, { name: "survivor" }));
    let drops = 0;
    survivor.on("dropped", () => drops++);
    await waitFor(() => survivor.self, "survivor's own state");

    const killedAt = Date.now();
    b.child.kill("SIGKILL");
    await waitFor(
      async () => (await listedRooms(a)).every((r) => r.processId !== b.processId),
      "the killed process's rooms to leave the listing",
      15_000,
      100,
    );
    const goneAfterMs = Date.now() - killedAt;
    console.log(
      `rooms of the killed process left the listing after ${goneAfterMs} ms (CLUSTER_SWEEP_SECONDS=1, health check timeout 2 s)`,
    );

    // joinOrCreate would have been sent to a dead room while it was listed; now it lands on a.
    const tickBefore = survivor.state.tick;
    for (let i = 0; i < 3; i++) {
      const conn = keep(await joinArena(new TickwireClient(a.wsUrl), { name: `late${i}` }));
      await waitFor(() => conn.self, "a new join's own state");
    }
    const after = await listedRooms(a);
    expect(after.every((r) => r.processId === a.processId)).toBe(true);
    await waitFor(() => survivor.state.tick > tickBefore + 10, "the survivor's room to keep ticking");
    expect(drops).toBe(0);
    expect(survivor.closed).toBe(false);
  });
});
