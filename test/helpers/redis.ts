import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";

// The scale-out tests need a Redis at 127.0.0.1:6379. Like the browser tests, they get one by
// themselves: the one that answers; else a throwaway `redis-server` started on that port (no
// persistence); else, where the machine can install one (root with apt-get), Debian's
// `redis-server`, installed once and said so in one line. Anywhere else they fail with one
// line that names the command that fixes it.

const exec = promisify(execFile);
const HOST = "127.0.0.1";
const PORT = 6379;
/** Serialises starts and installs between test workers. */
const LOCK = "/tmp/tickwire-redis.lock";
/** Time an install and a start may take. */
export const REDIS_SETUP_TIMEOUT_MS = 300_000;

async function answers(): Promise<boolean> {
  const redis = new Redis({
    host: HOST,
    port: PORT,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "").split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Makes sure a Redis answers at 127.0.0.1:6379 (see above). */
export async function ensureRedis(): Promise<void> {
  if (await answers()) return;
  const canInstall = process.platform === "linux" && process.getuid?.() === 0 && onPath("apt-get");
  if (!onPath("redis-server") && !canInstall) {
    throw new Error(
      `no Redis answers at ${HOST}:${PORT} for the scale-out tests: start one (\`redis-server --port ${PORT}\`), or install it (\`sudo apt-get install -y redis-server\`, \`brew install redis\`)`,
    );
  }
  if (!onPath("redis-server")) {
    process.stderr.write("scale-out tests: no redis-server on this machine; installing Debian's with apt-get (once)\n");
  }
  const install = "apt-get install -y -q -o DPkg::Lock::Timeout=120 redis-server";
  const start = `redis-server --daemonize yes --bind ${HOST} --port ${PORT} --save '' --appendonly no`;
  // Inside the lock, another worker may have done it all meanwhile.
  const script = [
    `redis-cli -h ${HOST} -p ${PORT} ping >/dev/null 2>&1 && exit 0`,
    `command -v redis-server >/dev/null || ${install} || { apt-get update -q; ${install}; }`,
    // Debian's package may start its own service; start ours only if nothing answers yet.
    `redis-cli -h ${HOST} -p ${PORT} ping >/dev/null 2>&1 || ${start}`,
  ].join("\n");
  try {
    await exec("flock", [LOCK, "sh", "-c", script], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      maxBuffer: 64 * 1024 * 1024,
      timeout: REDIS_SETUP_TIMEOUT_MS - 30_000,
    });
  } catch (err) {
    const out = `${(err as { stderr?: string }).stderr ?? ""}`.trim().split("\n").slice(-3).join(" | ");
    throw new Error(`could not start a Redis for the scale-out tests (${out || (err as Error).message})`);
  }
  for (let i = 0; i < 50 && !(await answers()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers())) throw new Error(`redis-server was started but nothing answers at ${HOST}:${PORT}`);
}
