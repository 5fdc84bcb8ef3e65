// Every tuning number of the shared simulation, with its unit and the reason for it.
// Server and client both read these: a value changed here changes prediction and
// authority together, so the two can never disagree about the rules.

export const SIM = {
  /** Default world size in units (WORLD_SIZE configures it; the room replicates the size in use). */
  WORLD_WIDTH: 4000,
  WORLD_HEIGHT: 4000,
  /** Largest world side the wire supports: positions are 16-bit over [0, MAX_WORLD_SIZE], 0.125 units a step. */
  MAX_WORLD_SIZE: 8192,
  /** Side of the server's spatial grid cells in units: about half the default area-of-interest radius, so a view query visits 5 x 5 cells. */
  GRID_CELL_SIZE: 500,
  /** Player collision radius in units; also the margin that keeps a player inside the walls. */
  PLAYER_RADIUS: 16,
  /** Units/s². Reaches MAX_SPEED in about 0.13 s: responsive without being twitchy. */
  ACCELERATION: 2400,
  /** Units/s. About a quarter of the default view per second. */
  MAX_SPEED: 320,
  /** 1/s. Exponential damping applied when the stick is released: stops in about 0.4 s. */
  FRICTION: 10,
  /** Below this speed (units/s) a released player snaps to rest, so drift never lingers. */
  REST_SPEED: 1,
} as const;
export type SIM = typeof SIM;

/** Combat, health, pickups and scoring. Times are in seconds (the world converts to ticks). */
export const COMBAT = {
  MAX_HEALTH: 100,
  /** Hitscan weapon: four shots a second, four hits to kill. */
  FIRE_COOLDOWN_S: 0.25,
  WEAPON_DAMAGE: 25,
  /** Units; a little less than the default area of interest, so a target is always visible to its shooter. */
  WEAPON_RANGE: 1000,
  RESPAWN_DELAY_S: 3,
  /** A spawn point is safe when no living enemy is closer than this (units), if the world has such a point. */
  SPAWN_SAFE_DISTANCE: 600,
  /** Candidate points tried per spawn; the best is kept. */
  SPAWN_CANDIDATES: 16,
  /**
   * First sight: while a room has fewer living players than this, a newcomer spawns within
   * sight of them, so nobody starts alone on a map far larger than a view.
   */
  SPAWN_FIRST_SIGHT_BELOW: 6,
  /** Units: a first-sight spawn is at least this far from every living player (clear of bodies and point-blank fire). */
  SPAWN_FIRST_SIGHT_MIN_DISTANCE: 250,
  /** Units: and at most this far from the player it is placed by (about two seconds' run). */
  SPAWN_FIRST_SIGHT_MAX_DISTANCE: 700,
  /** ...and within this fraction of the view radius, so both stay in view while they start to move. */
  SPAWN_FIRST_SIGHT_VIEW_FRACTION: 0.6,
  /** A respawn in a sparse room: in sight (within this fraction of the view and this many units of someone), yet at least SPAWN_SAFE_DISTANCE from everyone. */
  SPAWN_RESPAWN_VIEW_FRACTION: 0.9,
  SPAWN_RESPAWN_MAX_DISTANCE: 1000,
  /** Radians (about 20°) each side of a living enemy's aim, out to WEAPON_RANGE: no spawn inside that cone. */
  SPAWN_LINE_OF_FIRE_HALF_ANGLE: 0.35,
  /** Points per kill. */
  KILL_SCORE: 1,
  /** Kill feed entries kept (newest last). */
  KILL_FEED_SIZE: 5,
  /** Players on the global scoreboard. */
  SCOREBOARD_SIZE: 10,
  /** Health pickups in the world at once, their pick-up radius (units), heal and respawn delay. */
  PICKUP_COUNT: 16,
  PICKUP_RADIUS: 24,
  PICKUP_HEAL: 40,
  PICKUP_RESPAWN_S: 10,
  /** Default limit of lag compensation (MAX_REWIND_MS configures it): a shot is tested against the world at most this far in the past. */
  MAX_REWIND_MS: 200,
} as const;
export type COMBAT = typeof COMBAT;

export const NET = {
  /** Longest display name in characters; names travel in every full state. */
  NAME_MAX_LENGTH: 16,
  /** Longest chat line in characters. */
  CHAT_MAX_LENGTH: 200,
} as const;
export type NET = typeof NET;

/** Button bits carried in `PlayerInput.buttons`. */
export const Buttons = {
  FIRE: 1,
} as const;
export type Buttons = (typeof Buttons)[keyof typeof Buttons];
