import { Simulation } from "@tickwire/server";
import type { PlayerInput } from "@tickwire/example-arena/shared";
import { arenaGame, type ArenaSettings, type StepEvents, type WorldInput } from "@tickwire/example-arena/server";

/** One player's input as tests write it: the fields the world reads, and its sequence number. */
export type TestInput = WorldInput & { seq: number };

/**
 * The arena run by the engine's Simulation, tick by tick, with no sockets: the same step order
 * as a room (history, step, tick, acknowledgements, interest). Shaped like the world it drives.
 */
export function arenaWorld(settings: ArenaSettings & { tickRate?: number } = {}) {
  const { tickRate = 30, ...rest } = settings;
  const sim = new Simulation(arenaGame(rest), { tickRate });
  const arena = sim.world;
  return {
    sim,
    state: sim.state,
    world: arena.world,
    get tick() {
      return sim.tick;
    },
    get playerCount() {
      return sim.state.players.size;
    },
    get dt() {
      return 1 / tickRate;
    },
    bounds: arena.world.bounds,
    addPlayer(id: string, name = id) {
      sim.join(id, { name });
      return sim.state.players.get(id)!;
    },
    removePlayer(id: string) {
      sim.leave(id);
    },
    setConnected(id: string, connected: boolean) {
      sim.core.setConnected(id, connected);
    },
    /** One step; returns what the world produced in it. */
    step(inputFor: (id: string) => TestInput | undefined = () => undefined): StepEvents {
      sim.step((id) => inputFor(id) as unknown as PlayerInput | undefined);
      return arena.world.lastEvents;
    },
    rewindTarget(viewTick: number) {
      return sim.core.rewindTarget(viewTick);
    },
  };
}
export type ArenaWorld = ReturnType<typeof arenaWorld>;
