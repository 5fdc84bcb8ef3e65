// The public API of the Tickwire client SDK: game-neutral. A game describes itself with
// `defineClientGame` (state, input, its own step for prediction, which fields to interpolate)
// and joins with `TickwireClient`.
export { TickwireClient, type TickwireClientOptions } from "./client.ts";
export { Emitter } from "./emitter.ts";
export { Connection, type ConnectionOptions } from "./connection.ts";
export {
  defineClientGame,
  type ClientGame,
  type AnyClientGame,
  type Prediction,
  type Interpolation,
  type InterpolationSpec,
  type CollectionKey,
  type EntityOf,
  type NumericKey,
  type InputFields,
  type StateOf,
  type InputOf,
  type SelfOf,
  type BodyOf,
} from "./game.ts";
export type { ConnectionEvents, NetCounters, NetStats } from "./types.ts";
export { ClientChannel, type ChannelOptions, type ChannelCounters } from "./channel.ts";
export { Netcode, type NetcodeOptions, type Rendered, type RenderedBase } from "./netcode/netcode.ts";
export { ServerClock, type ClockOptions } from "./netcode/clock.ts";
export {
  SnapshotBuffer,
  lerpAngle,
  type Pose,
  type SnapshotLayout,
  type SnapshotBufferOptions,
} from "./netcode/interpolation.ts";
export { Predictor, type PredictorOptions, type BodyFields } from "./netcode/prediction.ts";
// Engine-level wire constants a game client needs (close codes, the server's error notice).
export { CloseCodes, ErrorReasons, describeCloseCode, type ErrorNotice } from "@tickwire/shared";
