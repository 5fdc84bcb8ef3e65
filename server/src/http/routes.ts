import { readFile } from "node:fs/promises";
import path from "node:path";
import { createEndpoint, createRouter, matchMaker } from "@colyseus/core";
import { monitor } from "@colyseus/monitor";
import { z } from "zod";
import type { Config } from "../config.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { TransportKind } from "../transport/index.ts";
import type { ProcessLoad } from "../engine/admission.ts";
import { TokenError, issueToken } from "../auth/tokens.ts";
import { createLogger } from "../observability/log.ts";
import { createMonitorAuth } from "./monitorAuth.ts";
import { monitorView } from "./monitorView.ts";

export interface RouteDeps {
  config: Config;
  metrics: Metrics;
  transportKind: () => TransportKind;
  startedAt: number;
  load: ProcessLoad;
  /** Static pages: URL prefix (ending in "/") to the directory served there. */
  pages: Readonly<Record<string, string>>;
}

const DevTokenRequest = z.object({
  userId: z.string().min(1).max(64),
  name: z.string().max(64).optional(),
  ttlSeconds: z.number().int().min(1).max(86_400).default(3600),
});

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/** A file name a page may serve: one path segment, no leading dot. */
const PAGE_FILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

async function servePage(dir: string, file: string): Promise<Response> {
  if (!PAGE_FILE.test(file)) return new Response("not found\n", { status: 404 });
  try {
    const body = await readFile(path.join(dir, file));
    return new Response(body, {
      headers: { "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream" },
    });
  } catch {
    if (file !== "index.html") return new Response("not found\n", { status: 404 });
    return new Response(`Tickwire is running. This page is not built (${file} is missing from ${dir}).\n`, {
      status: 503,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}

/**
 * Each page directory is served at its prefix: the prefix itself is its index.html, and
 * `<prefix><file>` any file directly in the directory (read at each request, so a page rebuilt
 * while the server runs is served as it is now; nothing outside the directory can be named).
 */
function pageRoutes(pages: Readonly<Record<string, string>>) {
  const routes: Record<string, ReturnType<typeof createEndpoint>> = {};
  for (const [prefix, dir] of Object.entries(pages)) {
    if (!prefix.startsWith("/") || !prefix.endsWith("/"))
      throw new Error(`page prefix must start and end with "/": ${prefix}`);
    routes[`page:${prefix}`] = createEndpoint(prefix, { method: "GET" }, async () => servePage(dir, "index.html"));
    routes[`page:${prefix}:file`] = createEndpoint(`${prefix}:file`, { method: "GET" }, async (ctx) =>
      servePage(dir, String((ctx.params as { file?: string }).file ?? "")),
    );
  }
  return routes;
}

/** HTTP routes served on the game port next to matchmaking. */
export function createRoutes(deps: RouteDeps) {
  const { config, metrics } = deps;
  // The monitor can call any room method remotely: it is never served without credentials, and
  // guessing them earns a growing back-off. One instance: every monitor route shares its back-off.
  const monitorAuth = createMonitorAuth({ config, metrics, log: createLogger("monitor") });

  return createRouter({
    // 503 while draining, so that a load balancer or a readiness probe stops sending joins here.
    healthz: createEndpoint("/healthz", { method: "GET" }, async () => {
      const draining = matchMaker.state === matchMaker.MatchMakerState.SHUTTING_DOWN;
      return Response.json(
        {
          status: draining ? "draining" : "ok",
          transport: deps.transportKind(),
          processId: matchMaker.processId,
          publicAddress: config.publicAddress ?? null,
          uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
          rooms: matchMaker.stats.local.roomCount,
          clients: matchMaker.stats.local.ccu,
          seats: deps.load.seats(),
          maxRooms: config.maxRooms,
          maxClients: config.maxClients,
          auth: config.auth ? "token" : "anonymous",
        },
        { status: draining ? 503 : 200 },
      );
    }),
    metrics: createEndpoint(
      "/metrics",
      { method: "GET" },
      async () =>
        new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.registry.contentType } }),
    ),
    ...monitor({ use: [monitorAuth] }),
    ...monitorView({
      use: [monitorAuth],
      metrics,
      processId: () => matchMaker.processId,
      startedAt: deps.startedAt,
      rooms: () => deps.load.all,
    }),
    ...(config.devTokens && config.auth ? { devToken: devTokenEndpoint(config) } : {}),
    ...pageRoutes(deps.pages),
  });
}

/**
 * POST /auth/dev-token `{"userId": "...", "name": "...", "ttlSeconds": 3600}`: mints a join token
 * with AUTH_SECRET. Development only (DEV_TOKENS=1, refused with NODE_ENV=production): anyone who
 * can reach it can be anyone.
 */
function devTokenEndpoint(config: Config) {
  const auth = config.auth!;
  return createEndpoint("/auth/dev-token", { method: "POST" }, async (ctx) => {
    const body = DevTokenRequest.safeParse(ctx.body ?? {});
    if (!body.success) {
      return Response.json(
        { error: body.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") },
        { status: 400 },
      );
    }
    try {
      const token = await issueToken(auth, body.data);
      return Response.json({ token, expiresInSeconds: body.data.ttlSeconds });
    } catch (err) {
      if (err instanceof TokenError) return Response.json({ error: err.message }, { status: 400 });
      throw err;
    }
  });
}
