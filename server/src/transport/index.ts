import type { BeforeUpgradeHandler, Transport } from "@colyseus/core";
import type { Config } from "../config.ts";
import type { Logger } from "../observability/log.ts";
import type { TrafficMeter } from "./meter.ts";
import type { ClientEvents, ClientLimits } from "./unreliable/channel.ts";
import { probeUws } from "./native.ts";
import { addressResolver } from "./clientAddress.ts";
import type { RequestGuard } from "./httpServe.ts";

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
  /**
   * Holds what is sent from now until the returned function is called, then sends as `batch`
   * does: a room holds from its first step to the end of its flush, so that messages its game
   * sends during the step leave with the state.
   */
  hold(): () => void;
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
export async function createTransport(
  config: Config,
  meter: TrafficMeter,
  events: ClientEvents,
  log: Logger,
  beforeUpgrade: BeforeUpgradeHandler | undefined,
  guard?: RequestGuard,
): Promise<GameTransport> {
  const limits = limitsFromConfig(config);
  const http = {
    maxBodyBytes: config.maxHttpBodyBytes,
    bodyTimeoutMs: 5000,
    clientAddress: addressResolver(config.trustedProxies, (peer) =>
      log.warn(
        "a request came with X-Forwarded-For, ignored: TRUSTED_PROXIES is empty, so every client behind that proxy shares its address for the per-address limits (said once)",
        { peer },
      ),
    ),
    guard,
  };
  const perClient = {
    maxMessageBytes: config.maxMessageBytes,
    maxMessagesPerSecond: config.maxMessagesPerSecond,
    limits,
    meter,
    events,
  };
  if (config.transport !== "ws") {
    const probe = probeUws(config.uwsDisabled);
    if (probe.native) {
      const { TickwireUwsTransport } = await import("./uws.ts");
      const tls = config.tls ? { key_file_name: config.tls.keyFile, cert_file_name: config.tls.certFile } : {};
      const t = new TickwireUwsTransport({ idleTimeout: 30, beforeUpgrade }, { ...perClient, http, log }, tls);
      log.info(
        `transport: uWebSockets.js, native binding ${probe.binding} for Node ${process.versions.node}${config.tls ? ", TLS" : ""}`,
      );
      return {
        kind: "uws",
        colyseus: t,
        boundPort: () => t.boundPort,
        backlog: () => t.backlog(),
        batch: (fn) => t.batch(fn),
        hold: () => t.hold(),
      };
    }
    if (config.transport === "uws") {
      throw new Error(`TRANSPORT=uws but ${probe.reason}`);
    }
    log.warn(`transport: falling back to ws (Node HTTP server) because ${probe.reason}; expect lower throughput`);
  } else {
    log.info("transport: ws (TRANSPORT=ws)");
  }
  // TLS is terminated by uWS itself; the fallback would serve plain text where TLS was asked for.
  if (config.tls)
    throw new Error(
      "TLS_KEY_FILE/TLS_CERT_FILE need the native uWebSockets.js transport; terminate TLS in a proxy to use TRANSPORT=ws",
    );
  const { TickwireWsTransport } = await import("./ws.ts");
  const t = new TickwireWsTransport({ ...perClient, beforeUpgrade, http, log });
  return {
    kind: "ws",
    colyseus: t,
    boundPort: () => t.boundPort,
    backlog: () => t.backlog(),
    batch: (fn) => fn(),
    hold: () => () => {},
  };
}
