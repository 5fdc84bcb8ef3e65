import { EventEmitter } from "node:events";
import uWebSockets from "uWebSockets.js";
import { uWebSocketsTransport, type TransportOptions } from "@colyseus/uwebsockets-transport";
import {
  CloseCode,
  Protocol,
  connectClientToRoom,
  debugAndPrintError,
  isDevMode,
  matchMaker,
  type Router,
} from "@colyseus/core";
import { CloseCodes } from "@tickwire/shared";
import type { TrafficMeter } from "./meter.ts";
import { RateGate } from "./limits.ts";
import { type ScreenLimits, screenFrame } from "./screen.ts";
import { bindHttpRoutes, type HttpLimits } from "./uwsHttp.ts";
import type { Logger } from "../observability/log.ts";
import { SendBatch, TickwireUwsClient } from "./uwsClient.ts";
import type { ClientEvents, ClientLimits } from "./unreliable/channel.ts";
import type { BacklogSnapshot } from "./index.ts";

type RawSocket = Parameters<uWebSocketsTransport["onConnection"]>[0];

/** The per-socket event emitter Colyseus' uWS client listens on (the package does not export its own). */
class SocketEvents extends EventEmitter {
  constructor(readonly ws: RawSocket) {
    super();
  }
}

export interface UwsTransportOptions {
  /** Frames above this close their sender with 1009. */
  maxMessageBytes: number;
  /** Frames a client may send per second (bare acks aside); past it the client is closed with 4101. */
  maxMessagesPerSecond: number;
  limits: ClientLimits;
  meter: TrafficMeter;
  events: ClientEvents;
  http: HttpLimits;
  log: Logger;
}

/**
 * The Colyseus uWebSockets.js transport, extended rather than rewritten: its HTTP routing,
 * upgrade and matchmaking glue are kept, and the per-connection part is replaced so that each
 * client is a TickwireUwsClient (a reliable channel that closes instead of dropping, and an
 * unreliable channel with acknowledgements). It also honours the bind host, reports the port it
 * really bound (port 0 picks a free one), and meters every frame in and out.
 */
export class TickwireUwsTransport extends uWebSocketsTransport {
  #listenSocket: uWebSockets.us_listen_socket | undefined;
  #meter: TrafficMeter;
  #opts: UwsTransportOptions;
  #live = new Map<RawSocket, TickwireUwsClient>();
  #batch = new SendBatch();
  #gates = new WeakMap<RawSocket, RateGate>();
  readonly #screenLimits: ScreenLimits;

  /**
   * uWS's own frame limit is set 4x above MAX_MESSAGE_BYTES as a backstop: past it uWS drops
   * the socket without a close frame (the client would see 1006 and no reason), so the check
   * here gives the clear close code. Its backpressure limit is set well above the reliable
   * backlog limit, so that uWS never drops a frame on its own: the client closes first.
   */
  constructor(
    options: Omit<TransportOptions, "maxPayloadLength" | "maxBackpressure">,
    opts: UwsTransportOptions,
    appOptions: uWebSockets.AppOptions = {},
  ) {
    super(
      {
        ...options,
        maxPayloadLength: Math.max(opts.maxMessageBytes * 4, 64 * 1024),
        maxBackpressure: opts.limits.reliableBacklogBytes * 2 + 1024 * 1024,
        closeOnBackpressureLimit: false,
      },
      appOptions,
    );
    this.#opts = opts;
    this.#meter = opts.meter;
    this.#screenLimits = {
      maxMessageBytes: opts.maxMessageBytes,
      maxBareAcksPerSecond: opts.limits.maxBareAcksPerSecond,
    };
  }

  /** Runs `fn`; every frame it sends leaves at the end, each client's frames in one corked write. */
  batch(fn: () => void): void {
    this.#batch.run(fn);
  }

  /** Holds every frame sent until the returned function is called (see SendBatch.hold). */
  hold(): () => void {
    return this.#batch.hold();
  }

  /** Clients with bytes waiting in user space, and how many bytes in all. */
  backlog(): BacklogSnapshot {
    let clients = 0;
    let bytes = 0;
    for (const client of this.#live.values()) {
      const b = client.bufferedAmount();
      if (b > 0) {
        clients++;
        bytes += b;
      }
    }
    return { clients, bytes };
  }

  get boundPort(): number {
    return this.#listenSocket
      ? uWebSockets.us_socket_local_port(this.#listenSocket as unknown as uWebSockets.us_socket)
      : 0;
  }

  /** HTTP routes with a 404 for unknown routes, a body size and time limit, and a 500 for a handler that throws. */
  override bindRouter(router: Router): void {
    bindHttpRoutes(this.app, router, this.#opts.http, this.#opts.log);
  }

  override listen(port: number, hostname?: string, _backlog?: number, listeningListener?: (err?: Error) => void): this {
    this.app.listen(hostname ?? "0.0.0.0", port, (socket) => {
      if (socket === false) {
        listeningListener?.(new Error(`uWebSockets.js could not listen on ${hostname ?? "0.0.0.0"}:${port}`));
        return;
      }
      this.#listenSocket = socket;
      listeningListener?.();
    });
    return this;
  }

  override shutdown(): void {
    if (this.#listenSocket) {
      uWebSockets.us_listen_socket_close(this.#listenSocket);
      this.#listenSocket = undefined;
    }
  }

  protected override async onConnection(rawClient: RawSocket): Promise<void> {
    const wrapper = this.#track(rawClient);
    const url = rawClient.url;
    const sessionId = rawClient.searchParams.sessionId as string | undefined;
    const roomId = url.match(/\/[a-zA-Z0-9_-]+\/([a-zA-Z0-9_-]+)$/)?.[1];

    // No room in the URL: the SDK's latency probe. Answer pings, close after a second.
    if (!sessionId && !roomId) {
      const timeout = setTimeout(() => this.#close(rawClient, CloseCode.NORMAL_CLOSURE, ""), 1000);
      wrapper.on("message", () => this.#guard(() => rawClient.send(new Uint8Array([Protocol.PING]), true)));
      wrapper.on("close", () => clearTimeout(timeout));
      return;
    }

    const client = new TickwireUwsClient(sessionId ?? "", wrapper, this.#opts.limits, this.#opts.events, this.#batch);
    this.#live.set(rawClient, client);
    wrapper.on("close", () => this.#live.delete(rawClient));
    const reconnectionToken = rawClient.searchParams.reconnectionToken as string | undefined;
    try {
      await connectClientToRoom(matchMaker.getLocalRoomById(roomId ?? ""), client, rawClient.context, {
        reconnectionToken,
        skipHandshake: rawClient.searchParams.skipHandshake !== undefined,
      });
    } catch (e) {
      debugAndPrintError(e as Error);
      const err = e as { code?: number; message?: string };
      client.error(err.code ?? CloseCode.WITH_ERROR, err.message ?? "could not join", () => {
        const code = reconnectionToken
          ? isDevMode
            ? CloseCode.MAY_TRY_RECONNECT
            : CloseCode.FAILED_TO_RECONNECT
          : CloseCode.WITH_ERROR;
        this.#close(rawClient, code, "");
      });
    }
  }

  /** Registers the socket's event wrapper, with metering, limits and ack handling in front. */
  #track(rawClient: RawSocket): SocketEvents {
    const wrapper = new SocketEvents(rawClient);
    this.#gates.set(rawClient, new RateGate(this.#opts.maxMessagesPerSecond, performance.now()));
    this.clients.push(rawClient);
    this.clientWrappers.set(rawClient, wrapper);
    const emit = wrapper.emit.bind(wrapper);
    wrapper.emit = (event: string | symbol, ...args: unknown[]): boolean => {
      if (event === "message") {
        const frame = this.#screen(rawClient, args[0] as Buffer);
        if (frame === undefined) return true;
        try {
          return emit(event, frame);
        } catch {
          // A frame that makes a decoder or handler throw must cost only its sender: close that
          // client instead of letting the throw escape into uWS and take the process down.
          this.#meter.malformed();
          this.#close(rawClient, CloseCodes.PROTOCOL_VIOLATION, "malformed frame");
          return true;
        }
      }
      if (event === "close") this.#meter.closed(args[0] as number);
      return emit(event, ...args);
    };
    const send = rawClient.send.bind(rawClient);
    rawClient.send = (message, isBinary, compress) => {
      this.#meter.sent((message as ArrayBuffer | ArrayBufferView).byteLength ?? 0);
      return send(message, isBinary, compress);
    };
    return wrapper;
  }

  /** Screens one client frame (see screenFrame): what is left for the room, or undefined. */
  #screen(rawClient: RawSocket, raw: Buffer): Buffer | undefined {
    const screened = screenFrame(
      raw,
      this.#live.get(rawClient)?.channel,
      this.#gates.get(rawClient),
      this.#screenLimits,
      this.#meter,
      performance.now(),
    );
    if ("close" in screened) {
      this.#close(rawClient, screened.close, screened.reason);
      return undefined;
    }
    return "consumed" in screened ? undefined : screened.frame;
  }

  #guard(fn: () => void): void {
    try {
      fn();
    } catch {
      // Already closed: uWS throws on any access to a closed socket.
    }
  }

  #close(rawClient: RawSocket, code: number, reason: string): void {
    try {
      rawClient.end(code, reason);
    } catch {
      // Already closed: uWS throws on any access to a closed socket.
    }
  }
}
