export { TickwireClient } from "./client.ts";
export { ArenaConnection, type ArenaEvents, type InputIntent, type ArenaConnectionOptions, type NetCounters } from "./connection.ts";
export {
  ArenaState, Player, Pickup, KillFeedEntry, ScoreEntry, PlayerInput, Buttons, CloseCodes, ErrorReasons, SIM, NET, COMBAT,
  type ChatBroadcast, type ErrorNotice, type ShotInfo, type ShotsBroadcast,
} from "@tickwire/shared/wire";
export { ClientChannel, type ChannelOptions, type ChannelCounters } from "./channel.ts";
