import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { basicAuth, createEndpoint, createRouter, matchMaker } from "@colyseus/core";
import { monitor } from "@colyseus/monitor";
import type { Config } from "../config.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { TransportKind } from "../transport/index.ts";

export interface RouteDeps {
  config: Config;
  metrics: Metrics;
  transportKind: () => TransportKind;
  startedAt: number;
}

/** The demo page bundle, built from client-sdk by `npm run build:demo` (run by `npm start`). */
const DEMO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../client-sdk/demo/build");
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
};

async function serveDemo(file: string): Promise<Response> {
  try {
    const body = await readFile(path.join(DEMO_DIR, file));
    return new Response(body, { headers: { "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream" } });
  } catch {
    return new Response("Tickwire is running. The demo page is not built: run `npm run build:demo`.\n", {
      status: 503,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}

/** HTTP routes served on the game port next to matchmaking. */
export function createRoutes(deps: RouteDeps) {
  const { config, metrics } = deps;
  // The monitor can call any room method remotely: it is never served without credentials.
  const monitorAuth = basicAuth({ users: { [config.monitorUser]: config.monitorPassword }, realm: "Tickwire monitor" });

  return createRouter({
    healthz: createEndpoint("/healthz", { method: "GET" }, async () =>
      Response.json({
        status: "ok",
        transport: deps.transportKind(),
        uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
        rooms: matchMaker.stats.local.roomCount,
        clients: matchMaker.stats.local.ccu,
      })),
    metrics: createEndpoint("/metrics", { method: "GET" }, async () =>
      new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } })),
    ...monitor({ use: [monitorAuth] }),
    demoIndex: createEndpoint("/", { method: "GET" }, async () => serveDemo("index.html")),
    demoScript: createEndpoint("/demo.js", { method: "GET" }, async () => serveDemo("demo.js")),
  });
}
