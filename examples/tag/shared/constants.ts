// Every tuning number of tag, with its unit. Server and client read the same values: the
// client predicts its runner with the very rule the server runs.

export const TAG = {
  /** World side in units. */
  WORLD_SIZE: 2000,
  /** Runner radius in units; two runners touch at twice this. */
  RUNNER_RADIUS: 18,
  /** Units/s². On ice: a push takes a while to turn you around. */
  ACCELERATION: 900,
  /** 1/s. Light drag: a released runner's speed halves about every 1.2 s (ln 2 / 0.6). */
  DRAG: 0.6,
  /** Units/s. Top speed of a runner, and of whoever is "it" (a little faster, so it can catch up). */
  MAX_SPEED: 380,
  IT_SPEED: 420,
  /** Share of its speed a runner keeps when it bounces off a wall. */
  WALL_BOUNCE: 0.5,
  /** Seconds a runner that was just tagged cannot tag back. */
  TAG_IMMUNITY_S: 1.5,
  /** Bouncing balls: how many, their radius (units) and speed (units/s). */
  BALL_COUNT: 14,
  BALL_RADIUS: 24,
  BALL_SPEED: 220,
  /** Seconds a runner stays frozen after a ball hits it. */
  FREEZE_S: 1,
  /** Units: how far a client sees runners, and balls (further: balls are seen coming). */
  RUNNER_VIEW: 700,
  BALL_VIEW: 900,
  /** Units/s a spectator's camera pans at full stick. */
  CAMERA_SPEED: 600,
} as const;
