import { defineEntity, defineInput, defineState, fast, inputAck, t, type SchemaType } from "@tickwire/shared";
import { TAG } from "./constants.ts";

/** A player's runner. Position and velocity are fast; the rest changes seldom and is reliable. */
export const Runner = defineEntity(
  {
    name: t.string().default(""),
    x: fast.position(TAG.WORLD_SIZE),
    y: fast.position(TAG.WORLD_SIZE),
    vx: fast.velocity(TAG.IT_SPEED),
    vy: fast.velocity(TAG.IT_SPEED),
    /** Top speed now (units/s): higher while "it". Prediction reads it. */
    maxSpeed: t.uint16().default(TAG.MAX_SPEED),
    /** True while a ball's hit holds the runner still. */
    frozen: t.boolean().default(false),
    it: t.boolean().default(false),
    /** Seconds spent not being "it". */
    score: t.uint16().default(0),
    ack: inputAck(),
  },
  "TagRunner",
);
export type Runner = SchemaType<typeof Runner>;

/** A ball bouncing around the field on its own. */
export const Ball = defineEntity(
  {
    x: fast.position(TAG.WORLD_SIZE),
    y: fast.position(TAG.WORLD_SIZE),
    vx: fast.velocity(TAG.BALL_SPEED * 2),
    vy: fast.velocity(TAG.BALL_SPEED * 2),
  },
  "TagBall",
);
export type Ball = SchemaType<typeof Ball>;

/**
 * Runners and balls are both under interest management: a client holds the runners within
 * TAG.RUNNER_VIEW and the balls within TAG.BALL_VIEW of where it looks from.
 */
export const TagState = defineState(
  {
    runners: t.map(Runner).view(),
    balls: t.map(Ball).view(),
    /** Session id of whoever is "it" (global: everyone knows who to run from). */
    itId: t.string().default(""),
    /** Name of "it", for the page's banner. */
    itName: t.string().default(""),
  },
  "TagState",
);
export type TagState = SchemaType<typeof TagState>;

/** One tick of a player's stick; a spectator's stick pans its camera. */
export const TagInput = defineInput(
  {
    moveX: t.float32().default(0),
    moveY: t.float32().default(0),
  },
  "TagInput",
);
export type TagInput = SchemaType<typeof TagInput>;
