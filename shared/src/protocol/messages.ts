import type { ErrorReasons } from "./codes.ts";

/** Message types a client sends (besides inputs, which ride Colyseus' input channel). */
export const ClientMessages = {
  CHAT: "chat",
} as const;
export type ClientMessages = (typeof ClientMessages)[keyof typeof ClientMessages];

/** Message types the server sends. */
export const ServerMessages = {
  CHAT: "chat",
  ERROR: "error",
  /** The shots fired in one tick (`ShotsBroadcast`). */
  SHOTS: "shots",
} as const;
export type ServerMessages = (typeof ServerMessages)[keyof typeof ServerMessages];

/** Server → client: a chat line. */
export interface ChatBroadcast {
  from: string;
  name: string;
  text: string;
}

/** Server → client: a message of yours was ignored, and why. */
export interface ErrorNotice {
  reason: ErrorReasons;
  /** The message type that was refused. */
  type: string;
  detail: string;
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
