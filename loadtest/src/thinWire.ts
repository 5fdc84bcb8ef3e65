import WebSocket from "ws";
import { type RateLimitHandling, RateLimitWaits, retryAfterMs } from "./rateLimitWait.ts";
import type { ThinBotSpec } from "./thinBot.ts";

// What a thin bot needs of the network: a seat from the matchmaking HTTP API, the room's
// WebSocket URL, and a socket (the `ws` package's client).

// The seat request's reading of Retry-After (the abuse limits' unit test imports it from here).
export { retryAfterMs };

const ARENA_ROOM = "arena";

// A cheap non-zero masking key: `ws` then copies the frame while masking it (so `scratch` is
// free again as soon as send returns) without a crypto call per frame. The key only has to
// keep browsers' frames unpredictable to proxies; a load-test bot is no browser.
let maskState = 0x9e3779b9;
function generateMask(mask: Buffer): void {
  let x = maskState;
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  maskState = x >>> 0 || 1;
  mask.writeUInt32LE(maskState, 0);
}

/** A seat reservation as the matchmaking HTTP API returns it (Colyseus 0.18 `ISeatReservation`). */
export interface SeatReservation {
  name: string;
  sessionId: string;
  roomId: string;
  processId?: string;
  publicAddress?: string;
}

/**
 * Reserves a seat over the matchmaking HTTP API, as the Colyseus SDK does:
 * `POST {http}/matchmake/{create|joinById}/{arena|roomId}` with the join options as JSON.
 * A 429 (over the server's per-address limits: every bot shares one address) is waited out
 * for `Retry-After` and tried again (see RateLimitWaits: up to MAX_RATE_LIMIT_WAIT_MS in all,
 * and no further try once the run has stopped), so that such a server slows a run instead of
 * failing it.
 */
export async function reserveSeat(
  endpoint: string,
  spec: ThinBotSpec,
  limited: RateLimitWaits | RateLimitHandling = {},
): Promise<SeatReservation> {
  const waits = limited instanceof RateLimitWaits ? limited : new RateLimitWaits(limited);
  const base = endpoint.replace(/^ws/, "http").replace(/\/+$/, "");
  const url = spec.roomId
    ? `${base}/matchmake/joinById/${encodeURIComponent(spec.roomId)}`
    : `${base}/matchmake/create/${ARENA_ROOM}`;
  const request = () =>
    fetch(url, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ name: spec.name ?? `bot-${spec.index}` }),
    });
  let res = await request();
  while (res.status === 429) {
    await res.arrayBuffer().catch(() => undefined);
    await waits.wait(retryAfterMs(res.headers.get("retry-after")));
    res = await request();
  }
  const body = (await res.json().catch(() => ({}))) as Partial<SeatReservation> & { error?: string; code?: number };
  if (!res.ok || !body.sessionId || !body.roomId)
    throw new Error(`matchmake ${res.status}: ${body.error ?? JSON.stringify(body).slice(0, 120)}`);
  return body as SeatReservation;
}

/**
 * The room's WebSocket URL for a reservation, as the SDK's Client.buildEndpoint makes it:
 * `ws://{publicAddress or host:port/path}/{processId}/{roomId}?sessionId={sessionId}`.
 */
export function roomUrl(endpoint: string, seat: SeatReservation): string {
  const url = new URL(endpoint);
  const protocol = url.protocol === "wss:" || url.protocol === "https:" ? "wss" : "ws";
  const host = seat.publicAddress ?? `${url.host}${url.pathname.replace(/\/+$/, "")}`;
  return `${protocol}://${host}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`;
}

/** A Colyseus ERROR frame's `[code][message]`, or its bytes when it is not one. */
export function describeError(frame: Uint8Array): string {
  // [ERROR][number code][string message]; both in the schema codec. Keep it cheap: print the printable bytes.
  const text = Buffer.from(frame.subarray(1))
    .toString("latin1")
    .replace(/[^\x20-\x7e]+/g, " ")
    .trim();
  return text || `${frame.byteLength} bytes`;
}

// --- Sockets ------------------------------------------------------------------------------

/** What a bot's socket reports. `message` gets binary messages only, `close` comes once. */
export interface SocketHandlers {
  message(data: Buffer): void;
  error(err: Error): void;
  close(code: number, reason: string): void;
}

/** A client WebSocket as a bot uses it: send binary frames (ignored unless open), cut it. */
export interface BotSocket {
  /** Sends `data`, then `then` if given (in one write where the socket can). */
  send(data: Buffer, then?: Buffer): void;
  terminate(): void;
}

/** A bot's socket before it has one. */
export const NO_SOCKET: BotSocket = { send() {}, terminate() {} };

/** The `ws` package's client. */
export class WsSocket implements BotSocket {
  readonly #ws: WebSocket;

  constructor(url: string, on: SocketHandlers) {
    this.#ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, generateMask });
    this.#ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) on.message(data);
    });
    this.#ws.on("error", on.error);
    this.#ws.on("close", (code: number, reason: Buffer) => on.close(code, reason.toString()));
  }

  send(data: Buffer, then?: Buffer): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(data);
    if (then) this.#ws.send(then);
  }

  terminate(): void {
    this.#ws.terminate();
  }
}
