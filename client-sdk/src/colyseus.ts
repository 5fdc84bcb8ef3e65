import type { Room } from "@colyseus/sdk";
import { BUNDLE_CODE, forEachBundled } from "@tickwire/shared/protocol";

// The one module that reaches past the Colyseus SDK's and schema's public API. Each reach-in
// is pinned against the installed packages by test/unit/sdkAdapter.test.ts, so an upgrade that
// moves one fails there, by name, rather than somewhere in the netcode.

/** Any SDK room (Colyseus' Room takes a server room class first; a client has none). */
// biome-ignore lint/suspicious/noExplicitAny: Colyseus' Room type arguments are invariant
export type AnyRoom = Room<any, any>;

/** The socket the SDK's WebSocket transport holds (`WebSocketTransport.ws`) for the current connection. */
interface SdkSocket {
  bufferedAmount?: number;
  readyState: number;
  CONNECTING: number;
  onclose: ((ev: CloseEvent) => void) | null;
  addEventListener(type: "error", listener: () => void, options: { once: true }): void;
}

/** The SDK's `Connection` (not exported from its index): it survives the SDK's reconnections. */
interface SdkConnection {
  isOpen: boolean;
  transport: { ws?: SdkSocket; send(data: Uint8Array): void };
  events: { onmessage?: ((ev: MessageEvent) => void) | null; onclose?: ((ev: CloseEvent) => void) | null };
  sendUnreliable(data: Uint8Array): void;
  reconnect(query: unknown): void;
}

/** A close as the SDK's close handler reads it. */
export interface CloseInfo {
  code: number;
  reason?: string;
}

function connectionOf(room: AnyRoom): SdkConnection {
  return room.connection as unknown as SdkConnection;
}

/** True while the room's socket is open. */
export function isOpen(room: AnyRoom): boolean {
  return room.connection?.isOpen ?? false;
}

/** Sends a frame as is on the room's socket (no SDK framing, no unreliable fallback). */
export function sendFrame(room: AnyRoom, data: Uint8Array): void {
  connectionOf(room).transport.send(data);
}

/** Bytes waiting in the socket's send buffer (0 where the socket does not say). */
export function socketBacklog(room: AnyRoom): number {
  return connectionOf(room).transport.ws?.bufferedAmount ?? 0;
}

/**
 * Calls `listener` with every frame the server sends, before the SDK decodes it; a bundle (see
 * `@tickwire/shared/protocol`) is opened and each frame in it goes to `listener` and then to
 * the SDK as if it had come alone. Survives reconnections.
 */
export function onFrame(room: AnyRoom, listener: (frame: Uint8Array) => void): void {
  const events = connectionOf(room).events;
  const decode = events.onmessage;
  events.onmessage = (ev: MessageEvent) => {
    const frame = new Uint8Array(ev.data as ArrayBuffer);
    if (frame[0] !== BUNDLE_CODE) {
      listener(frame);
      decode?.(ev);
      return;
    }
    // The SDK copies what it is given (`new Uint8Array(event.data)`), so a view will do.
    forEachBundled(frame, (offset, length) => {
      const part = frame.subarray(offset, offset + length);
      listener(part);
      decode?.({ data: part } as unknown as MessageEvent);
    });
  };
}

/**
 * Puts `handler` in front of the SDK's close handling: it sees every close first and calls
 * `forward` with the close the SDK should act on (the same, or another code). Survives reconnections.
 */
export function interceptClose(
  room: AnyRoom,
  handler: (close: CloseInfo, forward: (close: CloseInfo) => void) => void,
): void {
  const events = connectionOf(room).events;
  const sdk = events.onclose;
  events.onclose = (ev: CloseEvent) => handler(ev, (close) => sdk?.(close as CloseEvent));
}

/** Routes the room's unreliable sends (its input handle in unreliable mode) through `send`. */
export function replaceUnreliableSend(room: AnyRoom, send: (data: Uint8Array) => void): void {
  connectionOf(room).sendUnreliable = send;
}

/**
 * Calls `hook` before each of the SDK's reconnection attempts, and gives each attempt's socket
 * the close it may miss (see `closeWhenOpenFails`).
 */
export function beforeReconnectAttempt(room: AnyRoom, hook: () => void): void {
  const conn = connectionOf(room);
  const reconnect = conn.reconnect.bind(conn);
  conn.reconnect = (query) => {
    hook();
    reconnect(query);
    closeWhenOpenFails(conn);
  };
}

/**
 * Node 22's built-in WebSocket (undici 6) reports a socket that could not open with `error`
 * alone: no `close` follows and it stays CONNECTING. The SDK retries (and finally gives up)
 * only on `close`, so its reconnection stopped at the first refused attempt. Such a socket
 * gets the close it should have had. (`ws`, undici 7 and browsers are CLOSING or CLOSED by
 * then, and close by themselves.)
 */
function closeWhenOpenFails(conn: SdkConnection): void {
  const ws = conn.transport.ws;
  ws?.addEventListener(
    "error",
    () => {
      if (ws.readyState !== ws.CONNECTING) return;
      const onclose = ws.onclose;
      ws.onclose = null;
      // A plain object: Node 22 has no global CloseEvent, and the SDK reads only these fields.
      onclose?.call(ws, { type: "close", code: 1006, reason: "connection failed", wasClean: false } as CloseEvent);
    },
    { once: true },
  );
}

// The schema metadata the SDK reads, to check a game's description (layout.ts).
export { isNumericField, mapEntityClass, schemaFields, type SchemaField } from "@tickwire/shared/protocol";
