import { describe, expect, it } from "vitest";
import http from "node:http";
import { joinArena, TickwireClient } from "@tickwire/example-arena/client";
import { MONITOR_PASSWORD, MONITOR_USER, metricValue, useServer, type RunningServer } from "../helpers/server.ts";
import { nativeUwsExpected } from "../helpers/native.ts";
import { reserveSeat } from "../../loadtest/src/thinWire.ts";
import { elapse, waitFor } from "../helpers/wait.ts";

// Abuse limits per client address, on the real server over real HTTP: matchmaking requests per
// second, rooms created per window, the monitor's login back-off, and rooms nobody joins. On
// Linux all of 127.0.0.0/8 is loopback: each test speaks from addresses of its own (a client
// socket bound to 127.0.0.N), so that their counts never mix.

const RATE = "tickwire_rate_limited_total";
/** Short windows, so that a limit recovers in a second or two. */
const LIMITS = {
  MATCHMAKE_JOINS_PER_SECOND: "5",
  MATCHMAKE_CREATES_PER_WINDOW: "2",
  MATCHMAKE_CREATE_WINDOW_SECONDS: "2",
};
/** The test servers inherit this environment: native uWS runs where a binary fits and nothing turns it off. */
const NATIVE = nativeUwsExpected() && process.env.TRANSPORT !== "ws" && process.env.UWS_USE_FALLBACK !== "1";

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** One HTTP request on a connection of its own, from local address `from` (default: the OS's choice). */
function call(
  server: RunningServer,
  method: string,
  path: string,
  opts: { from?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Answer> {
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: server.port,
        method,
        path,
        localAddress: opts.from,
        agent: false,
        headers: { ...(payload ? { "content-type": "application/json" } : {}), ...opts.headers },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const matchmake = (
  server: RunningServer,
  method: string,
  room: string,
  from: string,
  headers?: Record<string, string>,
) => call(server, "POST", `/matchmake/${method}/${room}`, { from, headers, body: {} });

/** `n` matchmaking requests at once; `headers(i)` for the i-th. */
const burst = (n: number, send: (i: number) => Promise<Answer>) =>
  Promise.all(Array.from({ length: n }, (_, i) => send(i)));

const statuses = (answers: Answer[]) => answers.map((a) => a.status).sort((a, b) => a - b);
const retryAfter = (a: Answer) => Number(a.headers["retry-after"]);
/** The longest Retry-After among the refusals, in ms. */
const longestWait = (answers: Answer[]) => Math.max(...answers.filter((a) => a.status === 429).map(retryAfter)) * 1000;

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
});
const right = basic(MONITOR_USER, MONITOR_PASSWORD);
const wrong = basic(MONITOR_USER, "not-the-password");

function expectRefusal(a: Answer, limit: string, variable: string): void {
  expect(a.status).toBe(429);
  expect(a.headers["retry-after"]).toMatch(/^[1-9]\d*$/);
  expect(a.body).toMatchObject({ code: 429, limit, retryAfterSeconds: retryAfter(a) });
  expect(a.body.error).toContain(variable);
}

describe.each<{ transport: string; env: Record<string, string> }>([
  { transport: NATIVE ? "uws" : "ws", env: {} },
  { transport: "ws", env: { TRANSPORT: "ws" } },
])("matchmaking limits per address ($transport)", ({ transport, env }) => {
  const ctx = useServer({ ...LIMITS, TRUSTED_PROXIES: "127.0.0.1", ...env });

  it("runs on the transport meant (the address is read differently on each)", async () => {
    expect((await (await fetch(`${ctx.server.httpUrl}/healthz`)).json()).transport).toBe(transport);
  });

  it("answers matchmaking requests past the per-second limit with 429 and Retry-After, counted, and serves the address again after it", async () => {
    const from = "127.0.0.11";
    const before = await metricValue(ctx.server, RATE, 'limit="join"');
    const answers = await burst(7, () => matchmake(ctx.server, "joinOrCreate", "arena", from));
    expect(statuses(answers)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    for (const a of answers.filter((x) => x.status === 429)) expectRefusal(a, "join", "MATCHMAKE_JOINS_PER_SECOND");
    expect(await metricValue(ctx.server, RATE, 'limit="join"')).toBe(before + 2);

    await elapse(longestWait(answers));
    expect((await matchmake(ctx.server, "joinOrCreate", "arena", from)).status).toBe(200);
  });

  it("charges the rooms an address really creates: a create over budget and a joinOrCreate that would create are refused, one that joins is not", async () => {
    const from = "127.0.0.12";
    const before = await metricValue(ctx.server, RATE, 'limit="room_create"');
    const first = await matchmake(ctx.server, "create", "arena", from);
    const second = await matchmake(ctx.server, "create", "arena", from);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.body.roomId).not.toBe(first.body.roomId);

    // Refused before it runs.
    expectRefusal(await matchmake(ctx.server, "create", "arena", from), "room_create", "MATCHMAKE_CREATES_PER_WINDOW");
    // Joins a room that exists: no creation, not refused. (Rooms of earlier tests may go meanwhile, none may come.)
    const rooms = async () => (await (await fetch(`${ctx.server.httpUrl}/healthz`)).json()).rooms as number;
    const roomsBefore = await rooms();
    expect((await matchmake(ctx.server, "joinOrCreate", "arena", from)).status).toBe(200);
    expect(await rooms()).toBeLessThanOrEqual(roomsBefore);
    // No tag room exists: this one would create, and is refused as the room is about to be made.
    const wouldCreate = await matchmake(ctx.server, "joinOrCreate", "tag", from);
    expectRefusal(wouldCreate, "room_create", "MATCHMAKE_CREATES_PER_WINDOW");
    expect(ctx.server.output()).not.toMatch(/\[tickwire:tag\] room created/);
    expect(await metricValue(ctx.server, RATE, 'limit="room_create"')).toBe(before + 2);

    await elapse(retryAfter(wouldCreate) * 1000);
    const again = await matchmake(ctx.server, "joinOrCreate", "tag", from);
    expect(again.status).toBe(200);
    expect(again.body.name).toBe("tag");
  });

  it("behind a trusted proxy, limits each forwarded address on its own", async () => {
    const viaProxy = (client: string) =>
      matchmake(ctx.server, "joinOrCreate", "arena", "127.0.0.1", { "x-forwarded-for": client });
    const flood = await burst(7, () => viaProxy("203.0.113.1"));
    expect(statuses(flood)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect((await viaProxy("203.0.113.1")).status).toBe(429);
    // In the same second: another client behind the proxy, and the proxy itself, are served.
    expect((await viaProxy("203.0.113.2")).status).toBe(200);
    expect((await matchmake(ctx.server, "joinOrCreate", "arena", "127.0.0.1")).status).toBe(200);
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    const answers = await burst(7, (i) =>
      matchmake(ctx.server, "joinOrCreate", "arena", "127.0.0.13", { "x-forwarded-for": `198.51.100.${i + 1}` }),
    );
    expect(statuses(answers)).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });
});

describe("abuse limits with no trusted proxy", () => {
  const ctx = useServer({
    ...LIMITS,
    MONITOR_LOGIN_FAILURES: "3",
    MONITOR_LOGIN_BACKOFF_SECONDS: "1",
    SEAT_RESERVATION_SECONDS: "2",
  });
  const monitor = (from: string, headers: Record<string, string> = {}) =>
    call(ctx.server, "GET", "/monitor/api", { from, headers });

  it("ignores X-Forwarded-For by default, even from loopback", async () => {
    const answers = await burst(7, (i) =>
      matchmake(ctx.server, "joinOrCreate", "arena", "127.0.0.1", { "x-forwarded-for": `198.51.100.${i + 1}` }),
    );
    expect(statuses(answers)).toEqual([200, 200, 200, 200, 200, 429, 429]);
    await elapse(longestWait(answers));
    expect((await matchmake(ctx.server, "joinOrCreate", "arena", "127.0.0.1")).status).toBe(200);
  });

  it("serves an honest client during a flood from another address", async () => {
    const flooding = burst(40, (i) => matchmake(ctx.server, i % 2 ? "create" : "joinOrCreate", "arena", "127.0.0.20"));
    const honest = await joinArena(new TickwireClient(ctx.server.wsUrl), { name: "honest" });
    ctx.keep(honest);
    const neighbour = await matchmake(ctx.server, "create", "arena", "127.0.0.21");
    const flood = await flooding;
    await waitFor(() => honest.self, "the honest player in its own state");
    expect(neighbour.status).toBe(200);
    expect(flood.filter((a) => a.status === 429).length).toBeGreaterThanOrEqual(35);
    expect(flood.every((a) => a.status === 200 || a.status === 429)).toBe(true);
  });

  it("the load tester's seat request waits out a 429 for Retry-After and gets its seat, counted", async () => {
    const room = await matchmake(ctx.server, "create", "arena", "127.0.0.50");
    expect(room.status).toBe(200);
    let limited = 0;
    // Eight at once from 127.0.0.1, five a second allowed.
    const seats = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        reserveSeat(ctx.server.endpoint, { index: i, roomId: room.body.roomId }, { onRateLimited: () => limited++ }),
      ),
    );
    expect(seats.map((s) => s.roomId)).toEqual(Array(8).fill(room.body.roomId));
    expect(limited).toBeGreaterThanOrEqual(3);
  });

  it("locks an address out after MONITOR_LOGIN_FAILURES wrong logins, refuses even the right password while it lasts, accepts it after", async () => {
    const from = "127.0.0.30";
    const before = await metricValue(ctx.server, RATE, 'limit="monitor_login"');
    for (let i = 0; i < 3; i++) {
      const r = await monitor(from, wrong);
      expect(r.status).toBe(401);
      expect(r.headers["www-authenticate"]).toContain('realm="Tickwire monitor"');
    }
    const locked = await monitor(from, right);
    expectRefusal(locked, "monitor_login", "MONITOR_LOGIN_FAILURES");
    expect(retryAfter(locked)).toBe(1);
    // Only that address.
    expect((await monitor("127.0.0.32", right)).status).toBe(200);
    expect(await metricValue(ctx.server, RATE, 'limit="monitor_login"')).toBe(before + 1);

    await elapse(retryAfter(locked) * 1000);
    expect((await monitor(from, right)).status).toBe(200);
    // The success cleared the count: one more wrong password is a plain 401 again.
    expect((await monitor(from, wrong)).status).toBe(401);
    expect((await monitor(from, right)).status).toBe(200);
  });

  it("does not count a request without credentials as a failed login (the browser's first request)", async () => {
    const from = "127.0.0.33";
    for (let i = 0; i < 5; i++) expect((await monitor(from)).status).toBe(401);
    expect((await monitor(from, right)).status).toBe(200);
  });

  it("doubles the back-off with each further failure, and logs one line per address for a lock-out", async () => {
    const from = "127.0.0.31";
    const lockLines = () =>
      ctx.server
        .output()
        .split("\n")
        .filter((l) => l.includes("monitor login") && l.includes('"address":"127.0.0.31"'));
    for (let i = 0; i < 3; i++) expect((await monitor(from, wrong)).status).toBe(401);
    const firstLock = await monitor(from, right);
    expect(retryAfter(firstLock)).toBe(1);
    await elapse(retryAfter(firstLock) * 1000);
    // One more failure after the lock-out: twice as long.
    expect((await monitor(from, wrong)).status).toBe(401);
    const secondLock = await monitor(from, right);
    expectRefusal(secondLock, "monitor_login", "MONITOR_LOGIN_FAILURES");
    expect(retryAfter(secondLock)).toBe(2);
    expect((await monitor(from, right)).status).toBe(429);
    await elapse(retryAfter(secondLock) * 1000);
    // Recovered, then locked out anew: a second line (and back to the first length).
    expect((await monitor(from, right)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await monitor(from, wrong)).status).toBe(401);
    expect(retryAfter(await monitor(from, right))).toBe(1);
    // Lines arrive in order: once the second is in, any line for the relock would be too.
    await waitFor(() => lockLines().length >= 2, "the second lock-out's log line");
    expect(lockLines()).toHaveLength(2);
  });

  it("disposes a room created and never joined within SEAT_RESERVATION_SECONDS, and keeps serving", async () => {
    const started = Date.now();
    const created = await matchmake(ctx.server, "create", "arena", "127.0.0.40");
    expect(created.status).toBe(200);
    const { roomId } = created.body;
    const disposed = () => ctx.server.output().includes(`"roomId":"${roomId}","ticks"`);
    // 2 s of reservation, and a margin well short of Colyseus' default 15 s.
    await waitFor(disposed, `room ${roomId} disposed`, 2000 + 2000, 50);
    // It waited out its reservation first (a seat reserved is a seat kept).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect((await matchmake(ctx.server, "joinById", roomId, "127.0.0.41")).status).not.toBe(200);
    expect((await fetch(`${ctx.server.httpUrl}/healthz`)).status).toBe(200);
    expect((await matchmake(ctx.server, "create", "arena", "127.0.0.41")).status).toBe(200);
  });

  it("declares the counter on /metrics with its HELP and one series per limit", async () => {
    const text = await (await fetch(`${ctx.server.httpUrl}/metrics`)).text();
    expect(text).toMatch(/# HELP tickwire_rate_limited_total .*room_create.*join.*monitor_login/);
    for (const limit of ["room_create", "join", "monitor_login"])
      expect(text).toMatch(new RegExp(`tickwire_rate_limited_total\\{limit="${limit}"\\} \\d+`));
    expect(await metricValue(ctx.server, RATE, 'limit="join"')).toBeGreaterThan(0);
  });
});

describe.each<{ transport: string; env: Record<string, string> }>([
  { transport: NATIVE ? "uws" : "ws", env: {} },
  { transport: "ws", env: { TRANSPORT: "ws" } },
])("on a dual-stack socket (HOST=::, $transport)", ({ transport, env }) => {
  const ctx = useServer({ HOST: "::", MONITOR_LOGIN_FAILURES: "1", ...env });

  it("an IPv4 client is counted and logged as its IPv4 address, whatever form the transport gives", async () => {
    expect((await (await fetch(`${ctx.server.httpUrl}/healthz`)).json()).transport).toBe(transport);
    // uWS gives 0000:0000:0000:0000:0000:ffff:7f00:003c here, Node ::ffff:127.0.0.60.
    const from = "127.0.0.60";
    expect((await call(ctx.server, "GET", "/monitor/api", { from, headers: wrong })).status).toBe(401);
    expect((await call(ctx.server, "GET", "/monitor/api", { from, headers: right })).status).toBe(429);
    await waitFor(() => ctx.server.output().includes('"address":"127.0.0.60"'), "the lock-out line naming 127.0.0.60");
  });
});
