import { Room, SchemaSerializer } from "@colyseus/core";
import type { Encoder, Schema } from "@colyseus/schema";

// Every place the server reaches past Colyseus' public API is here, each pinned by
// test/unit/colyseusAdapter.test.ts: an upgrade that moves one of them fails there, loudly.

/**
 * A room's schema serializer with the parts the unreliable flush works on made reachable. A
 * subclass may read the protected fields; the room installs it through the public
 * `setSerializer` (see `EngineRoom.setSerializer`).
 */
export class EngineSerializer<T extends Schema> extends SchemaSerializer<T> {
  /** The one encoder of the room's state (a second Encoder would assign its own ref ids). */
  get stateEncoder(): Encoder<T> {
    return this.encoder;
  }
  /** True when some collection of the state is filtered by views. */
  get filtered(): boolean {
    return this.hasFilters;
  }
  /** Set when the cached full state (sent to joiners) must be encoded again. */
  invalidateFullState(): void {
    this.needFullEncode = true;
  }
}

/**
 * Seats reserved by matchmaking but not yet taken. Colyseus keeps them in `_reservedSeats`
 * (TypeScript-private): they count in its own max-clients test, and must count in ours.
 */
export function reservedSeatCount(room: Room): number {
  const seats = (room as unknown as { _reservedSeats?: object })._reservedSeats;
  if (seats === undefined) throw new Error("Colyseus Room has no _reservedSeats: the adapter needs updating");
  return Object.keys(seats).length;
}

/**
 * The monitor's own room data (clients, elapsed time...): @colyseus/monitor adds
 * `getInspectData` to `Room.prototype`; a room that adds its own data calls this first.
 */
export async function monitorInspectData(room: Room): Promise<Record<string, unknown>> {
  const inspect = (Room.prototype as unknown as { getInspectData?: (this: Room) => Promise<Record<string, unknown>> })
    .getInspectData;
  if (typeof inspect !== "function") {
    throw new Error("@colyseus/monitor did not add Room.prototype.getInspectData: the adapter needs updating");
  }
  return inspect.call(room);
}
