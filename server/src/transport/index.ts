import type { Transport } from "@colyseus/core";
import type { Config } from "../config.ts";
import type { Logger } from "../observability/log.ts";
import type { TrafficMeter } from "./meter.ts";
import type { ClientEvents, ClientLimits } from "./unreliable/channel.ts";
import { probeUws } from "./native.ts";

export type TransportKind = "uws" | "ws";

/** Clients with bytes waiting in user space to be written, and those bytes. */
export interface BacklogSnapshot {
  clients: number;
  bytes: number;
}

/** What the rest of the server knows of the transport: never a socket. */
export interface GameTransport {
  readonly kind: TransportKind;
  readonly colyseus: Transport;
  /** The TCP port really bound, known after listen (PORT=0 asks the OS for a free one). */
  boundPort(): number;
  backlog(): BacklogSnapshot;
  /**
   * Runs `fn` and sends what it sent at the end, each client's frames together (one corked
   * write on uWS; the ws fallback sends as it goes).
   */
  batch(fn: () => void): void;
}

export function limitsFromConfig(config: Config): ClientLimits {
  return {
    reliableBacklogBytes: config.reliableBacklogBytes,
    unreliableBacklogBytes: config.unreliableBacklogBytes,
    maxFramesInFlight: config.unreliableMaxFramesInFlight,
    queueAll: config.unreliableDelivery === "queue",
    maxBareAcksPerSecond: config.maxMessagesPerSecond,
  };
}

/**
 * Picks the transport: native uWebSockets.js unless its binding did not load (or TRANSPORT
 * says otherwise), in which case the ws transport runs and one log line says why.
 */
export async function createTransport(config: Config, meter: TrafficMeter, events: ClientEvents, log: Logger): Promise<GameTransport> {
  const limits = limitsFromConfig(config);
  if (config.transport !== "ws") {
    const probe = probeUws();
    if (probe.native) {
      const { TickwireUwsTransport } = await import("./uws.ts");
      const t = new TickwireUwsTransport({ idleTimeout: 30 }, { maxMessageBytes: config.maxMessageBytes, limits, meter, events });
      log.info("transport: uWebSockets.js (native binding)");
      return { kind: "uws", colyseus: t, boundPort: () => t.boundPort, backlog: () => t.backlog(), batch: (fn) => t.batch(fn) };
    }
    if (config.transport === "uws") {
      throw new Error(`TRANSPORT=uws but ${probe.reason}`);
    }
    log.warn(`transport: falling back to ws (Node HTTP server) because ${probe.reason}; expect lower throughput`);
  } else {
    log.info("transport: ws (TRANSPORT=ws)");
  }
  const { TickwireWsTransport } = await import("./ws.ts");
  const t = new TickwireWsTransport({ maxPayload: config.maxMessageBytes, limits, meter, events });
  return { kind: "ws", colyseus: t, boundPort: () => t.boundPort, backlog: () => t.backlog(), batch: (fn) => fn() };
}
