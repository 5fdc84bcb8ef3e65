import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createEndpoint, type Room } from "@colyseus/core";
import type { Metrics } from "../observability/metrics.ts";
import { liveViewOf } from "../observability/liveView.ts";

/** Where the Tickwire view is served, under the monitor's own prefix and behind its login. */
export const VIEW_PREFIX = "/monitor/tickwire/";
/** The JSON the view polls. */
export const VIEW_API = "/monitor/api/tickwire";

// The page's files sit beside the package's sources (server/monitor), the same two levels up
// from src/http and from dist/http.
const PAGE_DIR = fileURLToPath(new URL("../../monitor/", import.meta.url));
const require = createRequire(import.meta.url);

/** The files the page is made of: its own, and uPlot for the charts. */
const FILES: Record<string, { path: () => string; type: string }> = {
  "index.html": { path: () => path.join(PAGE_DIR, "index.html"), type: "text/html; charset=utf-8" },
  "view.js": { path: () => path.join(PAGE_DIR, "view.js"), type: "text/javascript; charset=utf-8" },
  "view.css": { path: () => path.join(PAGE_DIR, "view.css"), type: "text/css; charset=utf-8" },
  "uPlot.js": { path: () => require.resolve("uplot/dist/uPlot.iife.min.js"), type: "text/javascript; charset=utf-8" },
  "uPlot.css": { path: () => require.resolve("uplot/dist/uPlot.min.css"), type: "text/css; charset=utf-8" },
};

async function serveFile(name: string): Promise<Response> {
  const file = Object.hasOwn(FILES, name) ? FILES[name] : undefined;
  if (!file) return new Response("not found\n", { status: 404 });
  return new Response(await readFile(file.path()), {
    headers: { "content-type": file.type, "cache-control": "no-cache" },
  });
}

export interface ViewDeps {
  // biome-ignore lint/suspicious/noExplicitAny: better-call middleware of any context
  use: any[];
  metrics: Metrics;
  processId: () => string;
  startedAt: number;
  rooms: () => Iterable<Room>;
}

/**
 * The monitor's Tickwire view: a page of live charts (process, rooms, the chosen room's clients)
 * and the compact JSON it polls once a second. Both behind the monitor's login.
 */
export function monitorView(deps: ViewDeps) {
  const { use } = deps;
  const view = liveViewOf(deps);
  return {
    "tickwire-view-api": createEndpoint(VIEW_API, { method: "GET", use }, async (ctx) => {
      const roomId = new URL(ctx.request?.url ?? "http://x/").searchParams.get("roomId") ?? undefined;
      return Response.json(await view(roomId), { headers: { "cache-control": "no-store" } });
    }),
    "tickwire-view-index": createEndpoint(VIEW_PREFIX, { method: "GET", use }, async () => serveFile("index.html")),
    "tickwire-view-file": createEndpoint(`${VIEW_PREFIX}:file`, { method: "GET", use }, async (ctx) =>
      serveFile(String((ctx.params as { file?: string }).file ?? "")),
    ),
  };
}
