import uWebSockets from "uWebSockets.js";
import { uWebSocketsTransport, type TransportOptions } from "@colyseus/uwebsockets-transport";
import { CloseCodes } from "@tickwire/shared";
import type { TrafficMeter } from "./meter.ts";

type RawSocket = Parameters<uWebSocketsTransport["onConnection"]>[0];

/**
 * The Colyseus uWebSockets.js transport, extended to honour the bind host, to report the port
 * it really bound (port 0 picks a free one), and to meter every frame in and out.
 */
export class TickwireUwsTransport extends uWebSocketsTransport {
  #listenSocket: uWebSockets.us_listen_socket | undefined;
  #meter: TrafficMeter;

  #maxMessageBytes: number;

  /**
   * @param maxMessageBytes frames above this close their sender with 1009. uWS's own limit is
   * set 4x higher as a backstop: past it uWS drops the socket without a close frame (the
   * client would see 1006 and no reason), so the check here gives the clear close code.
   */
  constructor(options: Omit<TransportOptions, "maxPayloadLength">, maxMessageBytes: number, meter: TrafficMeter) {
    super({ ...options, maxPayloadLength: Math.max(maxMessageBytes * 4, 64 * 1024) });
    this.#maxMessageBytes = maxMessageBytes;
    this.#meter = meter;
  }

  get boundPort(): number {
    return this.#listenSocket ? uWebSockets.us_socket_local_port(this.#listenSocket as unknown as uWebSockets.us_socket) : 0;
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
    // The base class registers the wrapper synchronously, before its first await.
    const connecting = super.onConnection(rawClient);
    const wrapper = this.clientWrappers.get(rawClient);
    if (wrapper) {
      const emit = wrapper.emit.bind(wrapper);
      wrapper.emit = (event: string | symbol, ...args: unknown[]): boolean => {
        if (event === "message") return this.#deliver(rawClient, () => emit(event, ...args), (args[0] as Buffer).byteLength);
        if (event === "close") this.#meter.closed(args[0] as number);
        return emit(event, ...args);
      };
    }
    const send = rawClient.send.bind(rawClient);
    rawClient.send = (message, isBinary, compress) => {
      this.#meter.sent((message as ArrayBuffer | ArrayBufferView).byteLength ?? 0);
      return send(message, isBinary, compress);
    };
    await connecting;
  }

  /** Meters one client frame, enforces the size limit, then hands it to the room. */
  #deliver(rawClient: RawSocket, toRoom: () => boolean, bytes: number): boolean {
    this.#meter.received(bytes);
    if (bytes > this.#maxMessageBytes) {
      this.#meter.oversized();
      this.#close(rawClient, CloseCodes.MESSAGE_TOO_BIG, "message too big");
      return true;
    }
    try {
      return toRoom();
    } catch {
      // A frame that makes a decoder or handler throw must cost only its sender: close that
      // client instead of letting the throw escape into uWS and take the process down.
      this.#meter.malformed();
      this.#close(rawClient, CloseCodes.PROTOCOL_VIOLATION, "malformed frame");
      return true;
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
