import { EngineMessages, ErrorReasons } from "@tickwire/shared";

/** Message types an arena client sends (besides inputs, which ride the engine's input channel). */
export const ClientMessages = {
  CHAT: "chat",
} as const;
export type ClientMessages = (typeof ClientMessages)[keyof typeof ClientMessages];

/** Message types the arena's server sends (the engine's `error` among them). */
export const ServerMessages = {
  CHAT: "chat",
  ERROR: EngineMessages.ERROR,
  /** The shots fired in one tick (`ShotsBroadcast`). */
  SHOTS: "shots",
} as const;
export type ServerMessages = (typeof ServerMessages)[keyof typeof ServerMessages];

/** Reasons an arena's `error` notice carries: the engine's, and the chat limit. */
export const ArenaErrorReasons = {
  ...ErrorReasons,
  /** Chat lines came faster than the limit: the sender is muted for a while (detail says how long). */
  CHAT_FLOOD: "chat_flood",
} as const;
export type ArenaErrorReasons = (typeof ArenaErrorReasons)[keyof typeof ArenaErrorReasons];

/** Server → client: a chat line. */
export interface ChatBroadcast {
  from: string;
  name: string;
  text: string;
}

/** Server → client: one shot, as clients draw it. Hitscan: it starts and ends in the same tick. */
export interface ShotInfo {
  shooter: string;
  x: number;
  y: number;
  aim: number;
  /** Distance to where the shot ended (the hit, or the weapon's range). */
  length: number;
  /** Session id of the player hit, if any. */
  hit?: string;
}

/** Server → client: the shots of one tick. */
export interface ShotsBroadcast {
  tick: number;
  shots: ShotInfo[];
}
