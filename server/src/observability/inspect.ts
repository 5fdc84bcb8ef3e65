import type { Room } from "@colyseus/core";
import { monitorInspectData } from "../colyseus.ts";
import { channelOf } from "../transport/unreliable/channel.ts";

/**
 * A room's data for the Colyseus monitor's room view (`/monitor/api/room`): Colyseus' own, the
 * room's tick, and each client's unreliable channel with the entities its state holds.
 */
export async function inspectData(
  room: Room,
  tick: number,
  heldBy: (sessionId: string) => number,
): Promise<Record<string, unknown>> {
  const base = await monitorInspectData(room);
  const now = performance.now();
  const channels = room.clients.map((c) => ({
    sessionId: c.sessionId,
    entitiesHeld: heldBy(c.sessionId),
    ...channelOf(c)?.stats(now),
  }));
  const sum = (k: "framesSent" | "framesDropped" | "keyframesSent") => channels.reduce((n, c) => n + (c[k] ?? 0), 0);
  return {
    ...base,
    tick,
    unreliable: {
      framesSent: sum("framesSent"),
      framesDropped: sum("framesDropped"),
      keyframesSent: sum("keyframesSent"),
      clientsBacklogged: channels.filter((c) => (c.backlogBytes ?? 0) > 0).length,
      backlogBytes: channels.reduce((n, c) => n + (c.backlogBytes ?? 0), 0),
      /** Clients that missed frames and are waiting for a keyframe. */
      clientsBehind: channels.filter((c) => c.needsKeyframe).length,
      clients: channels,
    },
  };
}
