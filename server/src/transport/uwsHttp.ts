import { STATUS_CODES } from "node:http";
import type uWebSockets from "uWebSockets.js";
import type { Router } from "@colyseus/core";
import type { Logger } from "../observability/log.ts";
import { normalizeAddress } from "./clientAddress.ts";
import { type HttpExchange, type HttpLimits, serveHttp } from "./httpServe.ts";

export type { HttpLimits } from "./httpServe.ts";

type Res = uWebSockets.HttpResponse;

/** Serves the Colyseus router on uWS with the limits of serveHttp (404, 413, 408, 500). */
export function bindHttpRoutes(app: uWebSockets.TemplatedApp, router: Router, limits: HttpLimits, log: Logger): void {
  app.any("/*", (res: Res, req) => serveHttp(uwsExchange(res, req), router, limits, log));
}

function uwsExchange(res: Res, req: uWebSockets.HttpRequest): HttpExchange {
  const abort = new AbortController();
  // uWS throws on any use of a response once aborted or ended.
  let finished = false;
  res.onAborted(() => {
    finished = true;
    abort.abort();
  });
  // The request object is valid only in this synchronous scope.
  const headers = new Headers();
  req.forEach((k, v) => {
    headers.set(k, v);
  });
  return {
    method: req.getMethod().toUpperCase(),
    path: req.getUrl(),
    query: req.getQuery() ?? "",
    headers,
    // Read now, while the response is surely usable. On a dual-stack socket (HOST=::) uWS prints an
    // IPv4 peer as a full IPv4-mapped IPv6 address (0000:...:ffff:7f00:0001): normalised here.
    remoteAddress: normalizeAddress(Buffer.from(res.getRemoteAddressAsText()).toString()),
    signal: abort.signal,
    readBody(onChunk, onEnd) {
      res.onData((chunk, isLast) => {
        // uWS reuses the chunk's memory after this callback: copy it.
        onChunk(new Uint8Array(chunk.slice(0)));
        if (isLast) onEnd();
      });
    },
    ignoreBody() {
      res.onData(() => {});
    },
    reply(status, list, body) {
      if (finished) return;
      finished = true;
      res.cork(() => {
        res.writeStatus(`${status} ${STATUS_CODES[status] ?? ""}`);
        for (const [k, v] of list) res.writeHeader(k, v);
        res.end(body);
      });
    },
  };
}
