import { matchMaker, type Router } from "@colyseus/core";
import type { Logger } from "../observability/log.ts";
import type { AddressResolver } from "./clientAddress.ts";
import { type Refusal, type RequestScope, TOO_MANY_REQUESTS, runInRequest } from "./requestScope.ts";

export interface HttpLimits {
  /** Request bodies above this are refused with 413 as soon as they pass it. */
  maxBodyBytes: number;
  /** A request whose body has not fully arrived after this long gets 408. */
  bodyTimeoutMs: number;
  /** The client's address from the socket's and the headers (trusted proxies); the socket's when unset. */
  clientAddress?: AddressResolver;
  /** Per-address limits looked at before routing (matchmaking); none when unset. */
  guard?: RequestGuard;
}

/** Per-address limits on requests, looked at before the router sees them. */
export interface RequestGuard {
  /**
   * Counts the request against its address's limits: a refusal (answered 429), or undefined to
   * let it through. Called as the request arrives, before its body is read.
   */
  admit(method: string, path: string, address: string): Promise<Refusal | undefined>;
}

/** Headers of an answer, in order; a name may repeat (set-cookie). */
export type HeaderList = Array<[name: string, value: string]>;

/**
 * One HTTP request as a transport (uWS or Node's HTTP server) hands it over, and the ways to
 * answer it. `readBody` or `ignoreBody`, when called, is called before `serveHttp` returns:
 * uWS loses body chunks that arrive before a data handler is attached.
 */
export interface HttpExchange {
  /** Upper case. */
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  /** The query, without the `?`; empty when none. */
  readonly query: string;
  readonly headers: Headers;
  /** The socket's peer address, normalised (IPv4-mapped IPv6 as IPv4; see normalizeAddress). */
  readonly remoteAddress: string;
  /** Aborted when the client goes away before it is answered. */
  readonly signal: AbortSignal;
  readBody(onChunk: (chunk: Uint8Array) => void, onEnd: () => void): void;
  ignoreBody(): void;
  /** Answers; does nothing once answered or once the client is gone. */
  reply(status: number, headers: HeaderList, body: Uint8Array | string): void;
}

// Hop-by-hop and length headers belong to the transport that writes the answer.
const TRANSPORT_HEADERS = new Set(["content-length", "transfer-encoding", "connection"]);

/** CORS headers for the request, then the handler's own (which win), minus the transport's. */
function headerList(base: Record<string, string | number | boolean>, extra?: Headers): HeaderList {
  const merged = new Map<string, string>();
  for (const [k, v] of Object.entries(base)) merged.set(k.toLowerCase(), String(v));
  const repeated: HeaderList = [];
  extra?.forEach((value, key) => {
    if (TRANSPORT_HEADERS.has(key)) return;
    if (key === "set-cookie") repeated.push([key, value]);
    else merged.set(key, value);
  });
  return [...merged, ...repeated];
}

/** A 429 in the shape of Colyseus' matchmaking errors (`{code, error}`), with `Retry-After`. */
function refusalReply(ex: HttpExchange, cors: Record<string, string | number | boolean>, refusal: Refusal): void {
  const headers = headerList({
    ...cors,
    "content-type": "application/json",
    "retry-after": String(refusal.retryAfterSeconds),
  });
  const body = {
    code: TOO_MANY_REQUESTS,
    error: refusal.message,
    limit: refusal.limit,
    retryAfterSeconds: refusal.retryAfterSeconds,
  };
  ex.reply(TOO_MANY_REQUESTS, headers, JSON.stringify(body));
}

/**
 * Serves the Colyseus router (matchmaking, monitor, metrics, our routes) on either transport.
 * Written for what a public endpoint meets: a route that does not exist gets 404 (rather than a
 * connection left open), a body is capped in size and in time while it arrives (rather than
 * buffered whole, however large), a handler that throws gets 500 with a log line (rather
 * than an unhandled rejection), and an address over a limit of `limits.guard`, or refused by
 * code the router called (see RequestScope), gets 429 with `Retry-After`.
 */
export function serveHttp(ex: HttpExchange, router: Router, limits: HttpLimits, log: Logger): void {
  const { method, path, query, headers } = ex;
  const cors = Object.assign(
    {},
    matchMaker.controller.DEFAULT_CORS_HEADERS,
    matchMaker.controller.getCorsHeaders(headers),
  ) as Record<string, string | number | boolean>;
  const text = headerList({ ...cors, "content-type": "text/plain; charset=utf-8" });

  if (method === "OPTIONS") {
    ex.ignoreBody();
    ex.reply(204, headerList(cors), "");
    return;
  }
  if (router.findRoute(method, path) === undefined) {
    ex.ignoreBody();
    ex.reply(404, text, `no route for ${method} ${path}\n`);
    return;
  }
  const declared = Number(headers.get("content-length") ?? 0);
  if (declared > limits.maxBodyBytes) {
    ex.reply(413, text, `request body over ${limits.maxBodyBytes} bytes\n`);
    return;
  }
  let url: URL;
  try {
    url = new URL(`${path}${query ? `?${query}` : ""}`, `http://${headers.get("host") || "localhost"}`);
  } catch {
    ex.ignoreBody();
    ex.reply(400, text, "bad host or path\n");
    return;
  }

  const scope: RequestScope = {
    address: limits.clientAddress?.(ex.remoteAddress, headers) ?? ex.remoteAddress,
    refusal: undefined,
    finished: false,
  };
  // Counted as it arrives; the body is read meanwhile (uWS needs its reader attached now).
  const admitted = limits.guard?.admit(method, path, scope.address);

  const handle = async (body: Uint8Array<ArrayBuffer> | undefined) => {
    const early = await admitted;
    if (early) return refusalReply(ex, cors, early);
    const init: RequestInit = { method, headers, signal: ex.signal };
    if (body !== undefined) init.body = body;
    let response: Response;
    try {
      response = await runInRequest(scope, () => router.handler(new Request(url, init)));
    } finally {
      scope.finished = true;
    }
    // Refused deep inside (a room creation over its address's budget): whatever the router made of it.
    if (scope.refusal) return refusalReply(ex, cors, scope.refusal);
    const out = new Uint8Array(await response.arrayBuffer());
    ex.reply(response.status, headerList(cors, response.headers), out);
  };
  const fail = (err: unknown) => {
    log.error("HTTP handler failed", { method, path, err });
    ex.reply(500, text, "internal error\n");
  };

  if (method === "GET" || method === "HEAD") {
    handle(undefined).catch(fail);
    return;
  }

  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    ex.reply(408, text, "request body too slow\n");
  }, limits.bodyTimeoutMs);
  ex.signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
  // Over a limit: answered at once, the rest of the body dropped (as for 413).
  admitted?.then(
    (refusal) => {
      if (!refusal || done) return;
      done = true;
      clearTimeout(timer);
      refusalReply(ex, cors, refusal);
    },
    () => {},
  );
  ex.readBody(
    (chunk) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > limits.maxBodyBytes) {
        done = true;
        clearTimeout(timer);
        ex.reply(413, text, `request body over ${limits.maxBodyBytes} bytes\n`);
        return;
      }
      chunks.push(chunk);
    },
    () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      handle(Buffer.concat(chunks)).catch(fail);
    },
  );
}
