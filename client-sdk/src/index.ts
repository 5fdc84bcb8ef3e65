export { TickwireClient, type TickwireClientOptions } from "./client.ts";
export { ArenaConnection, type ArenaConnectionOptions } from "./connection.ts";
export type { ArenaEvents, InputIntent, NetCounters, NetStats, HitEvent, DeathEvent } from "./types.ts";
export {
  ArenaState,
  Player,
  Pickup,
  KillFeedEntry,
  ScoreEntry,
  PlayerInput,
  Buttons,
  CloseCodes,
  ErrorReasons,
  describeCloseCode,
  SIM,
  NET,
  COMBAT,
  stepBody,
  type Body,
  type MoveIntent,
  type Bounds,
  type ChatBroadcast,
  type ErrorNotice,
  type ShotInfo,
  type ShotsBroadcast,
} from "@tickwire/shared/wire";
export { ClientChannel, type ChannelOptions, type ChannelCounters } from "./channel.ts";
export { Netcode, type NetcodeOptions, type RenderedPlayer } from "./netcode/netcode.ts";
export { ServerClock, type ClockOptions } from "./netcode/clock.ts";
export { SnapshotBuffer, lerpAngle, type Pose, type SnapshotBufferOptions } from "./netcode/interpolation.ts";
export { Predictor, type PredictorOptions, type PredictedPose } from "./netcode/prediction.ts";
