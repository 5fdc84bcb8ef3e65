// Tag's server side: its game definition and its socket-free world.
export { tagGame, TagJoinOptions, type TagSettings } from "./game.ts";
export { TagWorld, type TagWorldOptions } from "./world.ts";
