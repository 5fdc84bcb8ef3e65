import { schema } from "@colyseus/schema";
import { defineEntity, defineState, fast, inputAck, t, type SchemaType } from "@tickwire/shared";
import { SIM } from "./constants.ts";

// Fast-changing fields (position, velocity, aim, the input ack and the tick) are
// `.unreliable()`: they travel on the unreliable channel every tick, where a late frame is
// dropped rather than queued. Joins, leaves, names, health, scores, pickups, the kill feed and
// the scoreboard stay reliable.
//
// Positions are 16-bit over [0, MAX_WORLD_SIZE] (0.125 units a step), velocities 16-bit over
// ±MAX_SPEED, aim a 16-bit wrapping angle: 2 bytes each instead of 8 for float64.
const position = () => fast.position(SIM.MAX_WORLD_SIZE);

export const Player = defineEntity(
  {
    name: t.string().default(""),
    /** Who the player is: the verified token's `sub`, or `anon:<sessionId>` when joins are anonymous. */
    userId: t.string().default(""),
    x: position(),
    y: position(),
    vx: fast.velocity(SIM.MAX_SPEED),
    vy: fast.velocity(SIM.MAX_SPEED),
    aim: fast.angle(),
    /**
     * Sequence number of the newest input the server has simulated for this player. Owner-only:
     * kept current for the player's own client (which reconciles against it), not for others.
     */
    lastProcessedInputSeq: inputAck(),
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
export type Player = SchemaType<typeof Player>;

/** A health pickup; inactive while it waits to respawn. */
export const Pickup = schema(
  {
    x: t.quantized({ min: 0, max: SIM.MAX_WORLD_SIZE, bits: 16 }).default(0),
    y: t.quantized({ min: 0, max: SIM.MAX_WORLD_SIZE, bits: 16 }).default(0),
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
});

/**
 * `players` is filtered: each client holds only the players within its area of interest (and
 * itself); the server adds and removes them as they come into and go out of range.
 */
export const ArenaState = defineState(arenaFields(t.map(Player).view()), "ArenaState");
export type ArenaState = SchemaType<typeof ArenaState>;

/**
 * The same state without interest management: every client holds every player. The encoding
 * benchmark (`npm run bench:encode`) compares against it.
 */
export const OpenArenaState = defineState(arenaFields(t.map(Player)), "OpenArenaState");
export type OpenArenaState = SchemaType<typeof OpenArenaState>;
