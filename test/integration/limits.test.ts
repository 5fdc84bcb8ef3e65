import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import https from "node:https";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import { TickwireClient, type ArenaConnection } from "@tickwire/client-sdk";
import { metricValue, startServer, useServer, type RunningServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// Per-process limits: allowed origins at the WebSocket upgrade, MAX_ROOMS and MAX_CLIENTS, and
// TLS served by uWS itself. (Message rate and size limits: bad-input.test.ts.)

/** Opens a WebSocket with the given Origin; resolves "open" or the HTTP status that refused it. */
function upgrade(
  url: string,
  origin: string | undefined,
  opts: WebSocket.ClientOptions = {},
): Promise<"open" | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { ...opts, headers: origin ? { origin } : {} });
    ws.once("open", () => {
      ws.close();
      resolve("open");
    });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

describe("allowed origins", () => {
  const ctx = useServer({ ALLOWED_ORIGINS: "https://game.example, http://localhost:8080/" });

  it("refuses an upgrade from an origin not in the list with 403, and counts it", async () => {
    const before = await metricValue(ctx.server, "tickwire_origins_rejected_total");
    expect(await upgrade(ctx.server.wsUrl, "https://evil.example")).toBe(403);
    expect(await upgrade(ctx.server.wsUrl, "null")).toBe(403);
    expect(await metricValue(ctx.server, "tickwire_origins_rejected_total")).toBe(before + 2);
  });

  it("accepts listed origins (case and trailing slash aside) and clients that send no Origin", async () => {
    expect(await upgrade(ctx.server.wsUrl, "https://game.example")).toBe("open");
    expect(await upgrade(ctx.server.wsUrl, "HTTP://LOCALHOST:8080")).toBe("open");
    expect(await upgrade(ctx.server.wsUrl, undefined)).toBe("open");
    const conn = await new TickwireClient(ctx.server.wsUrl).joinArena({ name: "native" });
    ctx.keep(conn);
    await waitFor(() => conn.self, "own player");
  });
});

describe("MAX_ROOMS and MAX_CLIENTS per process", () => {
  const ctx = useServer({ MAX_ROOMS: "2", MAX_CLIENTS: "3" });
  const conns: ArenaConnection[] = [];
  const client = () => new TickwireClient(ctx.server.wsUrl, { maxReconnectAttempts: 0 });
  const refusal = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      return err as { code: number; message: string };
    }
    throw new Error("the join was accepted");
  };

  it("refuses a room past MAX_ROOMS with 503 and a clear reason", async () => {
    for (let i = 0; i < 2; i++) {
      const conn = await client().createArena({ name: `room${i}` });
      ctx.keep(conn);
      conns.push(conn);
    }
    const err = await refusal(client().createArena({ name: "third" }));
    expect(err.code).toBe(503);
    expect(err.message).toMatch(/server full.*MAX_ROOMS/);
  });

  it("refuses a client past MAX_CLIENTS with 503, and admits one again when a seat frees", async () => {
    const third = await client().joinArenaById(conns[0]!.roomId, { name: "third" });
    ctx.keep(third);
    const err = await refusal(client().joinArenaById(conns[1]!.roomId, { name: "fourth" }));
    expect(err.code).toBe(503);
    expect(err.message).toMatch(/server full.*MAX_CLIENTS/);
    expect((await (await fetch(`${ctx.server.httpUrl}/healthz`)).json()).seats).toBe(3);

    await third.leave();
    await waitFor(
      async () => (await (await fetch(`${ctx.server.httpUrl}/healthz`)).json()).seats === 2,
      "the seat to free",
    );
    const again = await client().joinArenaById(conns[1]!.roomId, { name: "fourth" });
    ctx.keep(again);
    await waitFor(() => again.self, "own player");
  });
});

describe("TLS on uWS", () => {
  let dir: string;
  let server: RunningServer;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "tickwire-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-keyout",
        path.join(dir, "key.pem"),
        "-out",
        path.join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    ca = readFileSync(path.join(dir, "cert.pem"));
    server = await startServer({ TLS_KEY_FILE: path.join(dir, "key.pem"), TLS_CERT_FILE: path.join(dir, "cert.pem") });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (method: string, urlPath: string, body?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: server.port,
          path: urlPath,
          method,
          ca,
          headers: body ? { "content-type": "application/json" } : {},
        },
        (res) => {
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("serves HTTPS and a full join over wss with the configured certificate", async () => {
    expect(server.output()).toContain("listening on https://");
    const health = await request("GET", "/healthz");
    expect(health.status).toBe(200);

    const seat = JSON.parse(
      (await request("POST", "/matchmake/joinOrCreate/arena", JSON.stringify({ name: "tls" }))).body,
    );
    expect(seat.sessionId).toBeTruthy();
    const ws = new WebSocket(
      `wss://127.0.0.1:${server.port}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`,
      { ca },
    );
    const first = await new Promise<Buffer>((resolve, reject) => {
      ws.once("message", (d) => resolve(d as Buffer));
      ws.once("error", reject);
    });
    expect(first[0]).toBe(10); // Protocol.JOIN_ROOM: the room accepted the seat
    ws.close();

    // Plain text on the TLS port gets nowhere.
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});
