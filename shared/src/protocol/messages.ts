// Messages the engine itself sends; a game adds its own.

/** Message types the engine sends to a client. */
export const EngineMessages = {
  /** `ErrorNotice`: a message of the client's was ignored, and why. */
  ERROR: "error",
} as const;
export type EngineMessages = (typeof EngineMessages)[keyof typeof EngineMessages];

/** Server → client: a message of yours was ignored, and why. */
export interface ErrorNotice {
  /** One of `ErrorReasons`, or a reason of the game's own. */
  reason: string;
  /** The message type that was refused. */
  type: string;
  detail: string;
}
