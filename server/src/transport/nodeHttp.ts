import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Router } from "@colyseus/core";
import type { Logger } from "../observability/log.ts";
import { normalizeAddress } from "./clientAddress.ts";
import { type HttpExchange, type HttpLimits, serveHttp } from "./httpServe.ts";

/**
 * Serves the Colyseus router on Node's HTTP server (the ws fallback) with the same limits as on
 * uWS (see serveHttp): 404, 413, 408, 500. Colyseus' own Node binding has none of them, and
 * never ends a response whose body fills the socket's send buffer (seen with /metrics).
 */
export function bindNodeHttpRoutes(server: Server, router: Router, limits: HttpLimits, log: Logger): void {
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    let exchange: HttpExchange;
    try {
      exchange = nodeExchange(req, res, limits.bodyTimeoutMs);
    } catch {
      // A header value the Fetch API refuses.
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("bad request header\n");
      return;
    }
    serveHttp(exchange, router, limits, log);
  });
}

function nodeExchange(req: IncomingMessage, res: ServerResponse, lingerMs: number): HttpExchange {
  const headers = new Headers();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const abort = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return {
    method: (req.method ?? "GET").toUpperCase(),
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? "" : url.slice(q + 1),
    headers,
    // Undefined once the socket is gone; such a request is answered into the void anyway.
    remoteAddress: normalizeAddress(req.socket.remoteAddress ?? ""),
    signal: abort.signal,
    readBody(onChunk, onEnd) {
      req.on("data", onChunk);
      req.on("end", onEnd);
    },
    ignoreBody() {
      req.resume();
    },
    reply(status, list, body) {
      if (res.headersSent || res.destroyed) return;
      for (const [k, v] of list) res.appendHeader(k, v);
      res.writeHead(status).end(body);
      if (!req.complete) linger(req, lingerMs);
    },
  };
}

/**
 * After an answer given before the body was all in (413, 408), the rest is read and dropped
 * for a while, so that the client, still writing, reads the answer instead of a connection
 * reset; a body still coming after that closes the connection.
 */
function linger(req: IncomingMessage, ms: number): void {
  req.resume();
  setTimeout(() => {
    if (!req.complete) req.socket.destroy();
  }, ms).unref();
}
