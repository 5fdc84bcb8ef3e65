import { schema, t, type SchemaType } from "@colyseus/schema";
import { SIM } from "../sim/constants.ts";
import { markUnreliable, markOwnerOnly } from "./unreliable.ts";

// Fast-changing fields (position, velocity, aim, the input ack and the tick) are
// `.unreliable()`: they travel on the unreliable channel every tick, where a late frame is
// dropped rather than queued. Joins, leaves, names, health, scores, pickups, the kill feed and
// the scoreboard stay reliable.
//
// Positions are 16-bit over [0, MAX_WORLD_SIZE] (0.125 units a step), velocities 16-bit over
// ±MAX_SPEED, aim a 16-bit wrapping angle: 2 bytes each instead of 8 for float64.
const position = () => t.quantized({ min: 0, max: SIM.MAX_WORLD_SIZE, bits: 16 }).default(0);

export const Player = schema(
  {
    name: t.string().default(""),
    /** Who the player is: the verified token's `sub`, or `anon:<sessionId>` when joins are anonymous. */
    userId: t.string().default(""),
    x: position(),
    y: position(),
    vx: t.quantized({ min: -SIM.MAX_SPEED, max: SIM.MAX_SPEED, bits: 16 }).default(0),
    vy: t.quantized({ min: -SIM.MAX_SPEED, max: SIM.MAX_SPEED, bits: 16 }).default(0),
    aim: t.angle({ bits: 16 }).default(0),
    /**
     * Sequence number of the newest input the server has simulated for this player. Owner-only:
     * kept current for the player's own client (which reconciles against it), not for others.
     */
    lastProcessedInputSeq: t.uint32().unreliable().default(0),
    /** False while the player's connection is down and its seat is held for reconnection. */
    connected: t.boolean().default(true),
    health: t.uint8().default(0),
    /** False from death until respawn. */
    alive: t.boolean().default(true),
    score: t.uint16().default(0),
    kills: t.uint16().default(0),
    deaths: t.uint16().default(0),
  },
  "Player",
);
// The quantized fields cannot take `.unreliable()` in the builder (see unreliable.ts).
markUnreliable(Player, ["x", "y", "vx", "vy", "aim"]);
markOwnerOnly(Player, ["lastProcessedInputSeq"]);
export type Player = SchemaType<typeof Player>;

/** A health pickup; inactive while it waits to respawn. */
export const Pickup = schema(
  {
    x: position(),
    y: position(),
    active: t.boolean().default(true),
  },
  "Pickup",
);
export type Pickup = SchemaType<typeof Pickup>;

export const KillFeedEntry = schema(
  {
    tick: t.uint32().default(0),
    killer: t.string().default(""),
    killerName: t.string().default(""),
    victim: t.string().default(""),
    victimName: t.string().default(""),
  },
  "KillFeedEntry",
);
export type KillFeedEntry = SchemaType<typeof KillFeedEntry>;

export const ScoreEntry = schema(
  {
    id: t.string().default(""),
    name: t.string().default(""),
    score: t.uint16().default(0),
    kills: t.uint16().default(0),
    deaths: t.uint16().default(0),
  },
  "ScoreEntry",
);
export type ScoreEntry = SchemaType<typeof ScoreEntry>;

/** The arena's fields around a given `players` field. */
const arenaFields = <P>(players: P) => ({
  players,
  pickups: t.map(Pickup),
  /** The newest kills, oldest first (global: every client sees it). */
  killFeed: t.array(KillFeedEntry),
  /** Top players by score (global). */
  scoreboard: t.array(ScoreEntry),
  /** World size in use (units). */
  width: t.uint16().default(SIM.WORLD_WIDTH),
  height: t.uint16().default(SIM.WORLD_HEIGHT),
  /** Area-of-interest radius in use (units): other players further than this are not in a client's state. */
  viewRadius: t.uint16().default(0),
  /** Simulation steps per second (TICK_HZ): clients predict with steps of 1/tickRate s and time interpolation by it. */
  tickRate: t.uint8().default(0),
  /** Fixed-step tick counter; advances once per simulation step. */
  tick: t.uint32().unreliable().default(0),
});

/**
 * `players` is filtered: each client holds only the players within its area of interest (and
 * itself); the server adds and removes them as they come into and go out of range.
 */
export const ArenaState = schema(arenaFields(t.map(Player).view()), "ArenaState");
export type ArenaState = SchemaType<typeof ArenaState>;

/**
 * The same state without interest management: every client holds every player. The encoding
 * benchmark (`npm run bench:encode`) compares against it.
 */
export const OpenArenaState = schema(arenaFields(t.map(Player)), "OpenArenaState");
export type OpenArenaState = SchemaType<typeof OpenArenaState>;
