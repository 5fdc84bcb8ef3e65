import { STATUS_CODES } from "node:http";
import type uWebSockets from "uWebSockets.js";
import { matchMaker, type Router } from "@colyseus/core";
import type { Logger } from "../observability/log.ts";

export interface HttpLimits {
  /** Request bodies above this are refused with 413 as soon as they pass it. */
  maxBodyBytes: number;
  /** A request whose body has not fully arrived after this long gets 408. */
  bodyTimeoutMs: number;
}

type Res = uWebSockets.HttpResponse & { aborted?: boolean };

/**
 * Serves the Colyseus router (matchmaking, monitor, metrics, our routes) on uWS. Written for
 * what a public endpoint meets: a route that does not exist gets 404 (rather than a connection
 * left open), a body is capped in size and in time while it arrives (rather than buffered
 * whole, however large), and a handler that throws gets 500 with a log line (rather than an
 * unhandled rejection).
 */
export function bindHttpRoutes(app: uWebSockets.TemplatedApp, router: Router, limits: HttpLimits, log: Logger): void {
  const corsHeaders = (requestHeaders: Headers): Record<string, string | number | boolean> =>
    Object.assign({}, matchMaker.controller.DEFAULT_CORS_HEADERS, matchMaker.controller.getCorsHeaders(requestHeaders));

  const reply = (
    res: Res,
    status: number,
    headers: Record<string, string | number | boolean>,
    body: ArrayBuffer | string,
    extra?: Headers,
  ) => {
    if (res.aborted) return;
    res.cork(() => {
      res.writeStatus(`${status} ${STATUS_CODES[status] ?? ""}`);
      for (const [k, v] of Object.entries(headers)) res.writeHeader(k, String(v));
      extra?.forEach((value, key) => {
        if (key.toLowerCase() !== "content-length") res.writeHeader(key, value);
      });
      res.end(body);
    });
  };

  app.options("/*", (res: Res, req) => {
    res.onAborted(() => (res.aborted = true));
    const headers = new Headers();
    req.forEach((k, v) => {
      headers.set(k, v);
    });
    reply(res, 204, corsHeaders(headers), "");
  });

  app.any("/*", (res: Res, req) => {
    const abort = new AbortController();
    res.onAborted(() => {
      res.aborted = true;
      abort.abort();
    });
    // The request object is valid only in this synchronous scope.
    const headers = new Headers();
    req.forEach((k, v) => {
      headers.set(k, v);
    });
    const method = req.getMethod().toUpperCase();
    const url = req.getUrl();
    const query = req.getQuery();
    const cors = corsHeaders(headers);
    const text = { ...cors, "content-type": "text/plain; charset=utf-8" };

    if (router.findRoute(method, url) === undefined) {
      res.onData(() => {}); // drain any body
      return reply(res, 404, text, `no route for ${method} ${url}\n`);
    }
    const declared = Number(headers.get("content-length") ?? 0);
    if (declared > limits.maxBodyBytes)
      return reply(res, 413, text, `request body over ${limits.maxBodyBytes} bytes\n`);

    const handle = async (body: Buffer | undefined) => {
      const init: RequestInit = { method, headers, signal: abort.signal };
      if (body !== undefined) init.body = new Uint8Array(body);
      const response = await router.handler(
        new Request(`http://${headers.get("host") || "localhost"}${url}${query ? `?${query}` : ""}`, init),
      );
      const out = await response.arrayBuffer();
      reply(res, response.status, cors, out, response.headers);
    };
    const fail = (err: unknown) => {
      log.error("HTTP handler failed", { method, url, err });
      reply(res, 500, text, "internal error\n");
    };

    if (method === "GET" || method === "HEAD") return void handle(undefined).catch(fail);

    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      reply(res, 408, text, "request body too slow\n");
    }, limits.bodyTimeoutMs);
    res.onData((chunk, isLast) => {
      if (done) return;
      size += chunk.byteLength;
      if (size > limits.maxBodyBytes) {
        done = true;
        clearTimeout(timer);
        return reply(res, 413, text, `request body over ${limits.maxBodyBytes} bytes\n`);
      }
      // uWS reuses the chunk's memory after this callback: copy it.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      done = true;
      clearTimeout(timer);
      handle(Buffer.concat(chunks)).catch(fail);
    });
  });
}
