// @tickwire/server/internals: the engine's encoding pieces, for benchmarks and tools that
// measure them in-process (npm run bench:encode). Not a stable API: a game never needs them.
export { EngineSerializer } from "./colyseus.ts";
export { UnreliableFlusher, type ClientInterest, type FlushResult } from "./transport/unreliable/serializer.ts";
export { UnreliableChannel, type ClientLimits, type ChannelEvents } from "./transport/unreliable/channel.ts";
