import type { AddressInfo } from "node:net";
import type { WebSocket } from "ws";
import { WebSocketTransport } from "@colyseus/ws-transport";
import type { TrafficMeter } from "./meter.ts";

/**
 * Fallback transport (the `ws` package on Node's HTTP server), used only when the native
 * uWebSockets.js binding is unavailable or TRANSPORT=ws. Same metering as the uWS transport.
 */
export class TickwireWsTransport extends WebSocketTransport {
  constructor(options: { maxPayload: number }, meter: TrafficMeter) {
    super({ maxPayload: options.maxPayload });
    this.wss.on("connection", (ws: WebSocket) => {
      ws.on("message", (data: Buffer) => meter.received(data.byteLength));
      ws.on("close", (code: number) => meter.closed(code));
      const send = ws.send.bind(ws) as (data: ArrayBufferView, ...rest: unknown[]) => void;
      ws.send = ((data: ArrayBufferView, ...rest: unknown[]) => {
        meter.sent(data.byteLength ?? 0);
        send(data, ...rest);
      }) as typeof ws.send;
    });
  }

  get boundPort(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }
}
