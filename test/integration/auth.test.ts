import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { SignJWT, UnsecuredJWT } from "jose";
import { joinArena, TickwireClient, type ArenaConnection } from "@tickwire/example-arena/client";
import { ROOT, SEE_ALL, metricValue, startServer, type RunningServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// AUTH_SECRET set: every join carries an HS256 token, checked in the static onAuth during the
// matchmaking request, before any seat is reserved.

const SECRET = "test-secret-of-at-least-thirty-two-bytes!";
const key = (secret: string) => new TextEncoder().encode(secret);
const now = () => Math.floor(Date.now() / 1000);

function sign(
  claims: Record<string, unknown>,
  opts: { secret?: string; alg?: string; exp?: number } = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: opts.alg ?? "HS256" })
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? now() + 600)
    .sign(key(opts.secret ?? SECRET));
}

let server: RunningServer;
const open: ArenaConnection[] = [];

beforeAll(async () => {
  server = await startServer({ AUTH_SECRET: SECRET, DEV_TOKENS: "1", ...SEE_ALL });
});
afterAll(async () => {
  await Promise.allSettled(open.map((c) => c.leave()));
  await server?.stop();
});

async function join(token: string | undefined, options: Record<string, unknown> = {}): Promise<ArenaConnection> {
  const conn = await joinArena(new TickwireClient(server.wsUrl, { token }), options as { name?: string });
  open.push(conn);
  return conn;
}

async function refused(token: string | undefined): Promise<{ code: number; message: string }> {
  try {
    await join(token);
  } catch (err) {
    return err as { code: number; message: string };
  }
  throw new Error("the join was accepted");
}

const seats = async () => (await (await fetch(`${server.httpUrl}/healthz`)).json()).seats as number;

describe("join tokens", () => {
  it("a valid token joins with the user id and name it carries", async () => {
    const conn = await join(await sign({ sub: "user-ada", name: "Ada" }));
    const self = await waitFor(() => conn.self, "own player");
    expect(self.userId).toBe("user-ada");
    expect(self.name).toBe("Ada");
  });

  it("join options cannot choose another user's id or name", async () => {
    const conn = await join(await sign({ sub: "user-bob", name: "Bob" }), {
      name: "Ada",
      userId: "user-ada",
      sub: "user-ada",
    });
    const self = await waitFor(() => conn.self, "own player");
    expect(self.userId).toBe("user-bob");
    expect(self.name).toBe("Bob");
    // Ada's player is still Ada's alone.
    await waitFor(() => conn.state.players.size >= 2, "both players");
    expect([...conn.state.players.values()].filter((p) => p.userId === "user-ada")).toHaveLength(1);
  });

  const cases: Array<[string, () => Promise<string | undefined>, RegExp, string]> = [
    ["missing", async () => undefined, /no token/, "missing"],
    ["expired", () => sign({ sub: "user-eve" }, { exp: now() - 60 }), /token expired/, "expired"],
    [
      "forged (another secret)",
      () => sign({ sub: "user-eve" }, { secret: "another-secret-of-at-least-32-bytes!!" }),
      /signature invalid/,
      "signature",
    ],
    [
      "tampered (claims changed after signing)",
      async () => {
        const [h, , s] = (await sign({ sub: "user-eve" })).split(".");
        const body = Buffer.from(JSON.stringify({ sub: "user-ada", exp: now() + 600 })).toString("base64url");
        return `${h}.${body}.${s}`;
      },
      /signature invalid/,
      "signature",
    ],
    ["signed with HS512", () => sign({ sub: "user-eve" }, { alg: "HS512" }), /algorithm not allowed/, "algorithm"],
    [
      "unsigned (alg none)",
      async () => new UnsecuredJWT({ sub: "user-ada" }).setExpirationTime(now() + 600).encode(),
      /algorithm not allowed|malformed/,
      "algorithm|malformed",
    ],
    ["not a JWT", async () => "hello.world", /malformed/, "malformed"],
    [
      "without exp",
      async () => new SignJWT({ sub: "user-eve" }).setProtectedHeader({ alg: "HS256" }).sign(key(SECRET)),
      /claim "exp"/,
      "claims",
    ],
  ];

  it.each(cases)(
    "a %s token is refused with 401 and a clear reason, before a seat is reserved",
    async (_what, make, message, reason) => {
      const seatsBefore = await seats();
      const counted = async () => {
        let n = 0;
        for (const r of reason.split("|"))
          n += await metricValue(server, "tickwire_auth_rejected_total", `reason="${r}"`);
        return n;
      };
      const countedBefore = await counted();
      const err = await refused(await make());
      expect(err.code).toBe(401);
      expect(err.message).toMatch(message);
      expect(await counted()).toBe(countedBefore + 1);
      expect(await seats()).toBe(seatsBefore);
    },
  );

  it("the dev-token endpoint and `npm run token` issue tokens the server accepts", async () => {
    const res = await fetch(`${server.httpUrl}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ userId: "user-dev", name: "Dev" }),
    });
    expect(res.status).toBe(200);
    const viaHttp = await join((await res.json()).token);
    expect((await waitFor(() => viaHttp.self, "own player")).userId).toBe("user-dev");

    const bad = await fetch(`${server.httpUrl}/auth/dev-token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(bad.status).toBe(400);

    const cli = spawnSync(
      process.execPath,
      [
        "--conditions=tickwire-source",
        "--import",
        "tsx",
        "server/src/tools/token.ts",
        "--user",
        "user-cli",
        "--name",
        "Cli",
      ],
      {
        cwd: ROOT,
        env: { ...process.env, AUTH_SECRET: SECRET },
        encoding: "utf8",
      },
    );
    expect(cli.status).toBe(0);
    const viaCli = await join(cli.stdout.trim());
    expect((await waitFor(() => viaCli.self, "own player")).name).toBe("Cli");
  });
});
