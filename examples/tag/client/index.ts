import { type Connection, defineClientGame, type TickwireClient } from "@tickwire/client-sdk";
import { sanitizeStick, stepRunner, TAG_ROOM, TagInput, TagState } from "../shared/index.ts";

// Tag's client: its description for the Tickwire client SDK (the own runner predicted with the
// very rule the server runs, runners and balls interpolated) and a few join helpers. The SDK's
// generic `Connection` does the rest.

/**
 * Tag's description for `TickwireClient.join` (the `joinTag` helpers pass it).
 *
 * @example
 * ```ts
 * const tag = await new TickwireClient("ws://localhost:2567").join(TAG_ROOM, { name: "ada" }, tagClient);
 * for (const r of tag.entities("runners")) draw(r.x, r.y, r.entity.it);
 * ```
 */
export const tagClient = defineClientGame({
  state: TagState,
  input: TagInput,
  // The server's own sanitizer: the predicted copy is stepped as the server will step it.
  sanitizeInput: sanitizeStick,
  predict: {
    collection: "runners",
    // maxSpeed is read by the rule: it is higher while "it".
    fields: ["x", "y", "vx", "vy", "maxSpeed"],
    position: ["x", "y"],
    step: (body, input, dt) => stepRunner(body, input, dt),
    // A frozen runner does not move; its inputs are consumed without effect, as on the server.
    active: (runner) => !runner.frozen,
  },
  interpolate: {
    runners: { position: ["x", "y"], velocity: ["vx", "vy"] },
    balls: { position: ["x", "y"], velocity: ["vx", "vy"] },
  },
});

/** Tag's game description type. */
export type TagClient = typeof tagClient;

/** A joined tag room: the SDK's generic connection, typed for tag. */
export type TagConnection = Connection<TagState, TagInput, TagClient>;

/**
 * What a client may ask for when it joins (the server validates it: a name of up to 16
 * letters, digits, spaces, `_` and `-`).
 */
export interface TagJoinOptions {
  name?: string;
  /** Watch without a runner: the stick pans a camera instead. */
  spectate?: boolean;
}

/**
 * Joins a tag room with a free seat, or creates one. Rejects with the server's reason on a bad name.
 *
 * @example
 * ```ts
 * const tag = await joinTag(new TickwireClient("ws://localhost:2567"), { name: "ada" });
 * tag.startInputLoop(() => ({ moveX: 1, moveY: 0 }));
 * ```
 */
export function joinTag(client: TickwireClient, options: TagJoinOptions = {}): Promise<TagConnection> {
  return client.join(TAG_ROOM, options, tagClient);
}

/**
 * Creates a new tag room and joins it (a private match).
 *
 * @example
 * ```ts
 * const host = await createTag(client, { name: "host" });
 * const guest = await joinTagById(client, host.roomId, { name: "guest" });
 * ```
 */
export function createTag(client: TickwireClient, options: TagJoinOptions = {}): Promise<TagConnection> {
  return client.create(TAG_ROOM, options, tagClient);
}

/** Joins one tag room by id (friends joining the same match). */
export function joinTagById(
  client: TickwireClient,
  roomId: string,
  options: TagJoinOptions = {},
): Promise<TagConnection> {
  return client.joinById(roomId, options, tagClient);
}

/**
 * Takes a held seat back after a drop (once the SDK's own attempts gave up), keeping the same sessionId.
 *
 * @example
 * ```ts
 * const back = await reconnectTag(client, tag.reconnectionToken);
 * ```
 */
export function reconnectTag(client: TickwireClient, reconnectionToken: string): Promise<TagConnection> {
  return client.reconnect(reconnectionToken, tagClient);
}

export {
  TickwireClient,
  CloseCodes,
  describeCloseCode,
  type ConnectionOptions,
  type TickwireClientOptions,
  type NetStats,
  type Rendered,
} from "@tickwire/client-sdk";
export {
  TAG,
  TAG_ROOM,
  TagState,
  TagInput,
  Runner,
  Ball,
  stepRunner,
  stepBall,
  sanitizeStick,
  panCamera,
  cameraStart,
  type Camera,
  type Stick,
  type RunnerBody,
} from "../shared/index.ts";
