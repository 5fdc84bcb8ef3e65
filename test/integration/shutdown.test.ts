import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  joinArena,
  createArena,
  TickwireClient,
  CloseCodes,
  describeCloseCode,
  type ArenaConnection,
} from "@tickwire/example-arena/client";
import { freshRedisDb, listedRooms, startNode, type ClusterNode } from "../helpers/cluster.ts";
import { waitFor } from "../helpers/wait.ts";

// SIGTERM: the process stops taking joins, closes its clients with SERVER_SHUTDOWN (the SDK
// reports it through `leave`, without trying to reconnect), lets its rooms dispose, removes them
// from the shared listing and exits 0.

let leaving: ClusterNode;
let staying: ClusterNode;
const open: ArenaConnection[] = [];

beforeAll(async () => {
  const redis = await freshRedisDb(12);
  [leaving, staying] = await Promise.all([startNode(redis, { SHUTDOWN_TIMEOUT_SECONDS: "5" }), startNode(redis)]);
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.leave()));
  await Promise.allSettled([leaving?.stop(), staying?.stop()]);
});

describe("graceful shutdown", () => {
  it("closes clients with 4001, removes the process's rooms from the listing and exits 0", async () => {
    // Rooms on the leaving process: created through it until two land there.
    const players: ArenaConnection[] = [];
    while (players.length < 2) {
      const conn = await createArena(new TickwireClient(leaving.wsUrl), { name: `p${players.length}` });
      open.push(conn);
      const host = (await listedRooms(staying)).find((r) => r.roomId === conn.roomId)?.processId;
      if (host === leaving.processId) players.push(conn);
    }
    const events: Array<{ who: number; event: string; code?: number }> = [];
    players.forEach((p, who) => {
      p.on("leave", (code) => events.push({ who, event: "leave", code }));
      p.on("dropped", (code) => events.push({ who, event: "dropped", code }));
      p.on("reconnecting", () => events.push({ who, event: "reconnecting" }));
    });
    expect((await listedRooms(staying)).filter((r) => r.processId === leaving.processId).length).toBeGreaterThanOrEqual(
      2,
    );

    const exited = new Promise<number | null>((resolve) => leaving.child.once("exit", (code) => resolve(code)));
    leaving.child.kill("SIGTERM");
    expect(await exited).toBe(0);

    await waitFor(() => events.filter((e) => e.event === "leave").length === 2, "both players told");
    for (const e of events) expect(e).toMatchObject({ event: "leave", code: CloseCodes.SERVER_SHUTDOWN });
    expect(describeCloseCode(CloseCodes.SERVER_SHUTDOWN)).toMatch(/shutting down/);
    // Gone from the listing by the time the process exited: no sweep needed.
    expect((await listedRooms(staying)).filter((r) => r.processId === leaving.processId)).toEqual([]);
    expect(leaving.output()).toMatch(/SIGTERM received/);
    expect(leaving.output()).toMatch(/shutdown complete/);

    // The other process takes the next joins.
    const next = await joinArena(new TickwireClient(staying.wsUrl), { name: "next" });
    open.push(next);
    await waitFor(() => next.self, "own player on the remaining process");
  });
});

describe("graceful shutdown past its timeout", () => {
  it("exits 0 after SHUTDOWN_TIMEOUT_SECONDS even if a room will not close, and still leaves the listing", async () => {
    const redis = await freshRedisDb(13);
    const [stuck, witness] = await Promise.all([
      startNode(redis, { SHUTDOWN_TIMEOUT_SECONDS: "1", FAULT_INJECTION: "1" }),
      startNode(redis),
    ]);
    try {
      let conn: ArenaConnection | undefined;
      while (!conn) {
        const c = await createArena(new TickwireClient(stuck.wsUrl, { maxReconnectAttempts: 0 }), { name: "stuck" });
        open.push(c);
        if ((await listedRooms(witness)).find((r) => r.roomId === c.roomId)?.processId === stuck.processId) conn = c;
      }
      // The room will ignore the shutdown request.
      conn.room.send("__fault", "stall-shutdown");
      await waitFor(
        async () => (await listedRooms(witness)).some((r) => r.processId === stuck.processId && r.clients >= 1),
        "the stuck room listed",
      );
      const exited = new Promise<number | null>((resolve) => stuck.child.once("exit", (code) => resolve(code)));
      stuck.child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stuck.output()).toMatch(/rooms still closing after 1000 ms/);
      expect((await listedRooms(witness)).filter((r) => r.processId === stuck.processId)).toEqual([]);
    } finally {
      await Promise.allSettled([stuck.stop(), witness.stop()]);
    }
  });
});
