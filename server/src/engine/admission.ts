import { ServerError, matchMaker, type Room } from "@colyseus/core";
import { reservedSeatCount } from "../colyseus.ts";

/** HTTP status of a join refused because the server (or every process) is full. */
export const SERVICE_UNAVAILABLE = 503;

/**
 * This process's rooms and seats, against MAX_ROOMS and MAX_CLIENTS. A seat counts from its
 * reservation (during matchmaking) until its client leaves, so that joins racing each other
 * cannot overshoot the limit.
 */
export class ProcessLoad {
  readonly #rooms = new Set<Room>();

  constructor(
    readonly maxRooms: number,
    readonly maxClients: number,
  ) {}

  get rooms(): number {
    return this.#rooms.size;
  }

  /** This process's rooms (those being created included). */
  get all(): ReadonlySet<Room> {
    return this.#rooms;
  }

  /** Connected clients plus reserved seats, over every room of this process. */
  seats(): number {
    let n = 0;
    for (const room of this.#rooms) n += room.clients.length + reservedSeatCount(room);
    return n;
  }

  /** Registers a room being created, or throws a 503 when this process already hosts MAX_ROOMS. */
  admitRoom(room: Room): void {
    if (this.#rooms.size >= this.maxRooms) {
      throw new ServerError(
        SERVICE_UNAVAILABLE,
        `server full: this process already hosts ${this.maxRooms} rooms (MAX_ROOMS)`,
      );
    }
    this.#rooms.add(room);
  }

  forget(room: Room): void {
    this.#rooms.delete(room);
  }

  seatsFull(): boolean {
    return this.seats() >= this.maxClients;
  }
}

/**
 * Chooses the process that creates a new room: the one with the fewest rooms among those under
 * MAX_ROOMS and MAX_CLIENTS (from the shared stats every process publishes about once a second).
 * When every process is full the join is refused with 503 instead of overloading one.
 */
export function selectProcess(
  limits: { maxRooms: number; maxClients: number },
  local: ProcessLoad,
): matchMaker.SelectProcessIdCallback {
  return async () => {
    // This process's own figures are live (seats include reservations); peers' are published.
    const all = (await matchMaker.stats.fetchAll()).map((p) =>
      p.processId === matchMaker.processId ? { ...p, roomCount: local.rooms, ccu: local.seats() } : p,
    );
    const open = all.filter((p) => p.roomCount < limits.maxRooms && p.ccu < limits.maxClients);
    open.sort((a, b) => a.roomCount - b.roomCount || a.ccu - b.ccu);
    const chosen = open[0]?.processId;
    if (chosen) return chosen;
    if (all.length === 0) return matchMaker.processId;
    throw new ServerError(
      SERVICE_UNAVAILABLE,
      `server full: all ${all.length} processes are at MAX_ROOMS (${limits.maxRooms}) or MAX_CLIENTS (${limits.maxClients})`,
    );
  };
}
