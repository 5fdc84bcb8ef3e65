import { describe, expect, it } from "vitest";
import {
  joinArenaById,
  createArena,
  TickwireClient,
  CloseCodes,
  type ArenaConnection,
} from "@tickwire/example-arena/client";
import { metricValue, useServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// An exception in one room's code disposes that room (its clients are told ROOM_CRASHED) and
// nothing else: the other rooms on the process keep ticking and serving their clients.
// FAULT_INJECTION=1 gives the test a message that makes a room throw where asked.

const ctx = useServer({ FAULT_INJECTION: "1" });

async function room(name: string, n: number): Promise<ArenaConnection[]> {
  const first = await createArena(new TickwireClient(ctx.server.wsUrl, { maxReconnectAttempts: 0 }), {
    name: `${name}0`,
  });
  const rest = [];
  for (let i = 1; i < n; i++)
    rest.push(
      await joinArenaById(new TickwireClient(ctx.server.wsUrl, { maxReconnectAttempts: 0 }), first.roomId, {
        name: `${name}${i}`,
      }),
    );
  const all = [first, ...rest];
  ctx.keep(...all);
  await Promise.all(all.map((c) => waitFor(() => c.self, "own player")));
  return all;
}

const leaveCode = (c: ArenaConnection) => new Promise<number>((resolve) => c.on("leave", resolve));

async function stillServed(c: ArenaConnection): Promise<void> {
  const t = c.state.tick;
  await waitFor(() => c.state.tick > t + 10, "the bystander room to keep ticking");
  expect(c.closed).toBe(false);
}

describe("crash isolation", () => {
  it.each([
    ["the tick", "tick", "setFixedTimestep"],
    ["a message handler", "handler", "onMessage"],
  ])("an exception in %s disposes that room only; its clients get ROOM_CRASHED", async (_where, fault, method) => {
    const [bystander] = await room("bystander", 1);
    const victims = await room("victim", 2);
    const crashedRoom = victims[0]!.roomId;
    const before = await metricValue(ctx.server, "tickwire_room_crashes_total", `method="${method}"`);
    const codes = victims.map(leaveCode);

    victims[0]!.room.send("__fault", fault);

    expect(await Promise.all(codes)).toEqual([CloseCodes.ROOM_CRASHED, CloseCodes.ROOM_CRASHED]);
    await waitFor(
      async () => (await metricValue(ctx.server, "tickwire_room_crashes_total", `method="${method}"`)) === before + 1,
      "the crash counted",
    );
    // Logged with the room id.
    await waitFor(
      () => ctx.server.output().includes(`room crashed: disposing it {"roomId":"${crashedRoom}","method":"${method}"`),
      "the crash log line",
    );
    await stillServed(bystander!);
    // The process still takes joins.
    const [late] = await room("late", 1);
    await stillServed(late!);
  });
});
