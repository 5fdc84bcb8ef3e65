// What tag's server and client share: the schema, the constants and the pure rules.
export { TAG } from "./constants.ts";
export { Runner, Ball, TagState, TagInput } from "./schema.ts";
export {
  stepRunner,
  stepBall,
  sanitizeStick,
  clampStick,
  touching,
  panCamera,
  cameraStart,
  type RunnerBody,
  type Stick,
  type Camera,
} from "./rules.ts";
/** The room name tag is served under by the examples' server. */
export const TAG_ROOM = "tag";
