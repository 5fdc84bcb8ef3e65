import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebSocket } from "ws";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { CloseCodes } from "@tickwire/shared";
import type { BeforeUpgradeHandler, Router } from "@colyseus/core";
import type { Logger } from "../observability/log.ts";
import type { HttpLimits } from "./httpServe.ts";
import { bindNodeHttpRoutes } from "./nodeHttp.ts";
import type { TrafficMeter } from "./meter.ts";
import { RateGate } from "./limits.ts";
import { screenFrame } from "./screen.ts";
import type { BacklogSnapshot } from "./index.ts";
import { UnreliableChannel, SOCKET_CHANNEL, type ClientEvents, type ClientLimits } from "./unreliable/channel.ts";

export interface WsTransportOptions {
  maxMessageBytes: number;
  maxMessagesPerSecond: number;
  beforeUpgrade: BeforeUpgradeHandler | undefined;
  limits: ClientLimits;
  meter: TrafficMeter;
  events: ClientEvents;
  /** HTTP limits, as on uWS. */
  http: HttpLimits;
  log: Logger;
}

/**
 * Fallback transport (the `ws` package on Node's HTTP server), used only when the native
 * uWebSockets.js binding is unavailable or TRANSPORT=ws. It keeps the same guarantees as the
 * uWS transport, more slowly: metering, the reliable backlog limit (close with 4100), and an
 * unreliable channel with acknowledgements, attached to each socket, and the same HTTP
 * limits (see serveHttp).
 */
export class TickwireWsTransport extends WebSocketTransport {
  #live = new Set<WebSocket>();
  // Kept from Colyseus (`server` stays unset): with an HTTP server in hand it binds its own
  // request handling, without limits; without one it calls bindRouter, as on uWS.
  #http: Server;
  #httpLimits: HttpLimits;
  #log: Logger;

  constructor(opts: WsTransportOptions) {
    // As on uWS: the library's own limit is a backstop above ours, so that an oversized frame
    // gets the same close code and count on both transports.
    super({
      maxPayload: Math.max(opts.maxMessageBytes * 4, 64 * 1024),
      beforeUpgrade: opts.beforeUpgrade,
      noServer: true,
    });
    this.#httpLimits = opts.http;
    this.#log = opts.log;
    this.#http = createServer();
    // An error event with no listener would end the process (a failed accept, say).
    this.#http.on("error", (err) => this.#log.error("HTTP server error", { err }));
    this.listenForUpgrade(this.#http);
    // What the base class does for a server it owns: drop clients that stop answering pings.
    this.#http.on("listening", () => {
      if (this.pingIntervalMS > 0 && this.pingMaxRetries > 0)
        this.autoTerminateUnresponsiveClients(this.pingIntervalMS, this.pingMaxRetries);
    });
    this.#http.on("close", () => clearInterval(this.pingInterval));
    const { limits, meter, events } = opts;
    const screenLimits = { maxMessageBytes: opts.maxMessageBytes, maxBareAcksPerSecond: limits.maxBareAcksPerSecond };
    // Ahead of Colyseus' own listener, which may reach the room's onJoin before returning: the
    // room finds the socket's channel there.
    this.wss.prependListener("connection", (ws: WebSocket) => {
      this.#live.add(ws);
      const gate = new RateGate(opts.maxMessagesPerSecond, performance.now());
      ws.on("close", (code: number) => {
        this.#live.delete(ws);
        meter.closed(code);
      });

      const send = ws.send.bind(ws) as (data: ArrayBufferView, ...rest: unknown[]) => void;
      ws.send = ((data: ArrayBufferView, ...rest: unknown[]) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount + data.byteLength > limits.reliableBacklogBytes) {
          events.backlogOverflow();
          ws.close(CloseCodes.BACKLOG_OVERFLOW, "reliable backlog over limit");
          return;
        }
        meter.sent(data.byteLength ?? 0);
        channel.bytesSent += data.byteLength ?? 0;
        send(data, ...rest);
      }) as typeof ws.send;

      const channel = new UnreliableChannel(
        // ws keeps a reference to what it sends until written, so the reused frame is copied.
        {
          bufferedAmount: () => ws.bufferedAmount,
          send: (frame) => {
            meter.sent(frame.byteLength);
            channel.bytesSent += frame.byteLength;
            send(frame.slice());
          },
        },
        {
          backlogThresholdBytes: limits.unreliableBacklogBytes,
          maxFramesInFlight: limits.maxFramesInFlight,
          queueAll: limits.queueAll,
        },
        events,
      );
      (ws as unknown as Record<symbol, UnreliableChannel>)[SOCKET_CHANNEL] = channel;

      // Colyseus listens for "message"; each frame is screened first (see screenFrame).
      const emit = ws.emit.bind(ws);
      ws.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
        if (event !== "message") return emit(event, ...args);
        // ws keeps parsing frames while a close handshake runs; uWS stops at end(). A client
        // being closed was judged and counted once: what it sends meanwhile is ignored.
        if (ws.readyState !== ws.OPEN) return true;
        const screened = screenFrame(args[0] as Buffer, channel, gate, screenLimits, meter, performance.now());
        if ("close" in screened) {
          ws.close(screened.close, screened.reason);
          return true;
        }
        if ("consumed" in screened) return true;
        const frame = screened.frame;
        try {
          return emit(event, frame, ...args.slice(1));
        } catch {
          // As on uWS: a frame that makes a decoder throw costs only its sender.
          meter.malformed();
          ws.close(CloseCodes.PROTOCOL_VIOLATION, "malformed frame");
          return true;
        }
      }) as typeof ws.emit;
    });
  }

  get boundPort(): number {
    return (this.#http.address() as AddressInfo | null)?.port ?? 0;
  }

  override bindRouter(router: Router): void {
    bindNodeHttpRoutes(this.#http, router, this.#httpLimits, this.#log);
  }

  override listen(port: number, hostname?: string, backlog?: number, listeningListener?: (err?: Error) => void): this {
    // A listen error (port in use) reaches the caller instead of leaving listen() pending.
    const failed = (err: Error) => listeningListener?.(err);
    this.#http.once("error", failed);
    this.#http.listen(port, hostname, backlog, () => {
      this.#http.off("error", failed);
      listeningListener?.();
    });
    return this;
  }

  override shutdown(): void {
    this.wss.close();
    this.#http.close();
  }

  backlog(): BacklogSnapshot {
    let clients = 0;
    let bytes = 0;
    for (const ws of this.#live) {
      if (ws.bufferedAmount > 0) {
        clients++;
        bytes += ws.bufferedAmount;
      }
    }
    return { clients, bytes };
  }
}
