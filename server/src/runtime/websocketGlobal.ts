import { WebSocket as NodeWebSocket } from "ws";

// @colyseus/core 0.18 reads the `WebSocket` global (built into Node 22+) when a client
// reconnects (`client.readyState !== WebSocket.OPEN`). Node 20 has no such global, so every
// reconnection would fail with "WebSocket is not defined". The `ws` class carries the same
// readyState constants; install it only where the runtime has none.
if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === "undefined") {
  (globalThis as { WebSocket?: unknown }).WebSocket = NodeWebSocket;
}
