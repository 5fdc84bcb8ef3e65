// The arena's server side: its game definition and its socket-free world.
export { arenaGame, type ArenaSettings, type Arena } from "./game.ts";
export { World, type WorldOptions, type WorldInput, type Shot, type StepEvents } from "./World.ts";
export {
  firstSightPoint,
  safePoint,
  inLineOfFire,
  sightBands,
  type SightBand,
  type Occupant,
  type Point,
} from "./spawn.ts";
export { rayHitsCircle } from "./combat.ts";
export { ChatGate, type ChatLimits, type ChatVerdict } from "./chatGate.ts";
