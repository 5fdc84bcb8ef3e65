import { schema, t, type SchemaType } from "@colyseus/schema";
import { SIM } from "../sim/constants.ts";
import { markUnreliable } from "./unreliable.ts";

// Fast-changing fields (position, velocity, aim, the input ack and the tick) are
// `.unreliable()`: they travel on the unreliable channel every tick, where a late frame is
// dropped rather than queued. Joins, leaves, names and connection status stay reliable.
//
// Positions are 16-bit over the world (about 0.03 units per step at 2000 units), velocities
// 16-bit over ±MAX_SPEED, aim a 16-bit wrapping angle: 2 bytes each instead of 8 for float64.
export const Player = schema({
  name: t.string().default(""),
  x: t.quantized({ min: 0, max: SIM.WORLD_WIDTH, bits: 16 }).default(0),
  y: t.quantized({ min: 0, max: SIM.WORLD_HEIGHT, bits: 16 }).default(0),
  vx: t.quantized({ min: -SIM.MAX_SPEED, max: SIM.MAX_SPEED, bits: 16 }).default(0),
  vy: t.quantized({ min: -SIM.MAX_SPEED, max: SIM.MAX_SPEED, bits: 16 }).default(0),
  aim: t.angle({ bits: 16 }).default(0),
  /** Sequence number of the newest input the server has simulated for this player. */
  lastProcessedInputSeq: t.uint32().unreliable().default(0),
  /** False while the player's connection is down and its seat is held for reconnection. */
  connected: t.boolean().default(true),
}, "Player");
// The quantized fields cannot take `.unreliable()` in the builder (see unreliable.ts).
markUnreliable(Player, ["x", "y", "vx", "vy", "aim"]);
export type Player = SchemaType<typeof Player>;

export const ArenaState = schema({
  players: t.map(Player),
  /** Fixed-step tick counter; advances once per simulation step. */
  tick: t.uint32().unreliable().default(0),
}, "ArenaState");
export type ArenaState = SchemaType<typeof ArenaState>;
