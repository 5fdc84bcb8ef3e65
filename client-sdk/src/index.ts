export { TickwireClient } from "./client.ts";
export { ArenaConnection, type ArenaEvents, type InputIntent, type ArenaConnectionOptions, type NetCounters } from "./connection.ts";
export {
  ArenaState, Player, PlayerInput, Buttons, CloseCodes, ErrorReasons, SIM, NET,
  type ChatBroadcast, type ErrorNotice,
} from "@tickwire/shared/wire";
export { ClientChannel, type ChannelOptions, type ChannelCounters } from "./channel.ts";
