import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import http from "node:http";
import https from "node:https";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import WebSocket from "ws";
import {
  joinArenaById,
  joinArena,
  createArena,
  TickwireClient,
  type ArenaConnection,
} from "@tickwire/example-arena/client";
import { metricValue, runServerToExit, startServer, useServer, type RunningServer } from "../helpers/server.ts";
import { nativeUwsExpected } from "../helpers/native.ts";
import { waitFor } from "../helpers/wait.ts";

// Per-process limits: allowed origins at the WebSocket upgrade, MAX_ROOMS and MAX_CLIENTS, HTTP
// request limits, and TLS served by uWS itself. (Message rate and size limits: bad-input.test.ts.)

/** The test servers inherit this environment: native uWS runs where a binary fits and nothing turns it off. */
const NATIVE = nativeUwsExpected() && process.env.TRANSPORT !== "ws" && process.env.UWS_USE_FALLBACK !== "1";

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
    const conn = await joinArena(new TickwireClient(ctx.server.wsUrl), { name: "native" });
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
      const conn = await createArena(client(), { name: `room${i}` });
      ctx.keep(conn);
      conns.push(conn);
    }
    const err = await refusal(createArena(client(), { name: "third" }));
    expect(err.code).toBe(503);
    expect(err.message).toMatch(/server full.*MAX_ROOMS/);
  });

  it("refuses a client past MAX_CLIENTS with 503, and admits one again when a seat frees", async () => {
    const third = await joinArenaById(client(), conns[0]!.roomId, { name: "third" });
    ctx.keep(third);
    const err = await refusal(joinArenaById(client(), conns[1]!.roomId, { name: "fourth" }));
    expect(err.code).toBe(503);
    expect(err.message).toMatch(/server full.*MAX_CLIENTS/);
    expect((await (await fetch(`${ctx.server.httpUrl}/healthz`)).json()).seats).toBe(3);

    await third.leave();
    await waitFor(
      async () => (await (await fetch(`${ctx.server.httpUrl}/healthz`)).json()).seats === 2,
      "the seat to free",
    );
    const again = await joinArenaById(client(), conns[1]!.roomId, { name: "fourth" });
    ctx.keep(again);
    await waitFor(() => again.self, "own player");
  });
});

describe("HTTP request limits (on whichever transport runs)", () => {
  // A configured limit, not the default: the transport must take MAX_HTTP_BODY_BYTES from the config.
  const MAX_BODY = 4096;
  const ctx = useServer({ MAX_HTTP_BODY_BYTES: String(MAX_BODY) });

  /** A POST whose body `write` sends as it likes; resolves with the status once answered. */
  const post = (headers: http.OutgoingHttpHeaders, write: (req: http.ClientRequest) => void) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: ctx.server.port,
          path: "/matchmake/joinOrCreate/arena",
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
        },
        (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, body });
            req.destroy();
          });
        },
      );
      req.on("error", reject);
      write(req);
    });

  it("answers a route that does not exist with 404", async () => {
    const res = await fetch(`${ctx.server.httpUrl}/no/such/route`, { method: "POST", body: "{}" });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("no route");
  });

  it("refuses a body over MAX_HTTP_BODY_BYTES with 413, declared or streamed", async () => {
    const declared = await fetch(`${ctx.server.httpUrl}/matchmake/joinOrCreate/arena`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "big", pad: "x".repeat(MAX_BODY) }),
    });
    expect(declared.status).toBe(413);
    // No length announced: refused while it arrives, not after buffering it whole.
    const streamed = await post({ "transfer-encoding": "chunked" }, (req) => {
      req.write(`{"name":"big","pad":"`);
      for (let i = 0; i < 16; i++) req.write("x".repeat(4096));
    });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toContain(`${MAX_BODY} bytes`);
  });

  it("answers a body that stops arriving with 408, and keeps serving", async () => {
    const started = Date.now();
    const slow = await post({ "content-length": "100" }, (req) => req.write(`{"name":`));
    expect(slow.status).toBe(408);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    expect((await fetch(`${ctx.server.httpUrl}/healthz`)).status).toBe(200);
  });
});

/** A self-signed certificate for 127.0.0.1 in a new directory: `key.pem`, `cert.pem`. */
function makeCertificate(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tickwire-tls-"));
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
  return dir;
}

const tlsEnv = (dir: string) => ({
  TLS_KEY_FILE: path.join(dir, "key.pem"),
  TLS_CERT_FILE: path.join(dir, "cert.pem"),
});

// Where native uWS runs, TLS is served; on the ws fallback the documented refusal is checked
// instead (never a silent skip).
if (NATIVE) {
  describe("TLS on uWS", () => {
    let dir: string;
    let server: RunningServer;
    let ca: Buffer;

    beforeAll(async () => {
      dir = makeCertificate();
      ca = readFileSync(path.join(dir, "cert.pem"));
      server = await startServer(tlsEnv(dir));
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
} else {
  describe("TLS on the ws fallback", () => {
    let dir: string;
    beforeAll(() => {
      dir = makeCertificate();
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("refuses to start with TLS_KEY_FILE/TLS_CERT_FILE (exit 1, naming both and the way out)", async () => {
      const { code, out } = await runServerToExit(tlsEnv(dir));
      expect(code).toBe(1);
      expect(out).toContain("TLS_KEY_FILE/TLS_CERT_FILE need the native uWebSockets.js transport");
      expect(out).toContain("terminate TLS in a proxy");
      expect(out).not.toContain("listening on");
    });
  });
}
