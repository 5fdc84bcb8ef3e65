// Every tuning number of the shared simulation, with its unit and the reason for it.
// Server and client both read these: a value changed here changes prediction and
// authority together, so the two can never disagree about the rules.

export const SIM = {
  /** World size in units. Positions are quantized over this range (see schema/state.ts). */
  WORLD_WIDTH: 2000,
  WORLD_HEIGHT: 2000,
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

export const NET = {
  /** Longest display name in characters; names travel in every full state. */
  NAME_MAX_LENGTH: 16,
  /** Longest chat line in characters. */
  CHAT_MAX_LENGTH: 200,
  /** Per-client input ring on the server, in inputs: about one second at 30 Hz. Oldest dropped on overflow. */
  INPUT_BUFFER_SIZE: 32,
} as const;
export type NET = typeof NET;

/** Button bits carried in `PlayerInput.buttons`. */
export const Buttons = {
  FIRE: 1,
} as const;
export type Buttons = (typeof Buttons)[keyof typeof Buttons];
