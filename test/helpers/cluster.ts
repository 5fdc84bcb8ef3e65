import net from "node:net";
import { Redis } from "ioredis";
import { ensureRedis, REDIS_URL } from "./redis.ts";
import { startServer, MONITOR_USER, MONITOR_PASSWORD, type RunningServer } from "./server.ts";

/**
 * A Redis database of its own for one test file, emptied first: room listings and process stats
 * of other files' servers (in other databases) never mix with this file's.
 */
export async function freshRedisDb(db: number): Promise<string> {
  await ensureRedis();
  const redis = new Redis(`${REDIS_URL}/${db}`, { maxRetriesPerRequest: 1 });
  try {
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
  return `${REDIS_URL}/${db}`;
}

/** A TCP port free right now on loopback (a process with PUBLIC_ADDRESS must know its port up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ClusterNode extends RunningServer {
  readonly processId: string;
}

/** Starts one server process on Redis database `redisUrl`, reachable at 127.0.0.1:<its port>. */
export async function startNode(redisUrl: string, env: Record<string, string> = {}): Promise<ClusterNode> {
  const port = await freePort();
  const server = await startServer({
    REDIS_URL: redisUrl,
    PORT: String(port),
    PUBLIC_ADDRESS: `127.0.0.1:${port}`,
    CLUSTER_SWEEP_SECONDS: "1",
    ...env,
  });
  const health = await (await fetch(`${server.httpUrl}/healthz`)).json();
  return Object.assign(server, { processId: health.processId as string });
}

export interface ListedRoom {
  roomId: string;
  processId: string;
  clients: number;
  publicAddress: string;
}

/** The rooms the monitor dashboard lists, as served by `server` (the shared listing). */
export async function listedRooms(server: RunningServer): Promise<ListedRoom[]> {
  const auth = `Basic ${Buffer.from(`${MONITOR_USER}:${MONITOR_PASSWORD}`).toString("base64")}`;
  const res = await fetch(`${server.httpUrl}/monitor/api`, { headers: { authorization: auth } });
  if (!res.ok) throw new Error(`monitor answered ${res.status}`);
  return (await res.json()).rooms;
}
