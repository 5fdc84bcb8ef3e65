import { Redis } from "ioredis";
import { aptInstall, canAptInstall, onPath, runLocked } from "./install.ts";

// The scale-out tests need a Redis at 127.0.0.1:6379. Like the browser tests, they get one by
// themselves: the one that answers; else a throwaway `redis-server` started on that port (no
// persistence); else, where the machine can install one (root with apt-get), Debian's
// `redis-server`, installed once and said so in one line. Anywhere else they fail with one
// line that names the command that fixes it.

const HOST = "127.0.0.1";
const PORT = 6379;
/** The Redis the scale-out tests use. */
export const REDIS_URL = `redis://${HOST}:${PORT}`;
/** Serialises starts and installs between test workers. */
const LOCK = "/tmp/tickwire-redis.lock";
/** Time an install and a start may take: inside the 60 s limit of the hook that asks. */
const SETUP_TIMEOUT_MS = 50_000;

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

/** Makes sure a Redis answers at 127.0.0.1:6379 (see above). */
export async function ensureRedis(): Promise<void> {
  if (await answers()) return;
  if (!onPath("redis-server") && !canAptInstall()) {
    throw new Error(
      `no Redis answers at ${HOST}:${PORT} for the scale-out tests: start one (\`redis-server --port ${PORT}\`), or install it (\`sudo apt-get install -y redis-server\`, \`brew install redis\`)`,
    );
  }
  if (!onPath("redis-server")) {
    process.stderr.write("scale-out tests: no redis-server on this machine; installing Debian's with apt-get (once)\n");
  }
  const start = `redis-server --daemonize yes --bind ${HOST} --port ${PORT} --save '' --appendonly no`;
  const ping = `redis-cli -h ${HOST} -p ${PORT} ping >/dev/null 2>&1`;
  // Inside the lock, another worker may have done it all meanwhile; Debian's package may start
  // its own service, so ours starts only if nothing answers yet.
  const script = [
    `${ping} && exit 0`,
    `command -v redis-server >/dev/null || ${aptInstall("redis-server")}`,
    `${ping} || ${start}`,
  ].join("\n");
  await runLocked(LOCK, script, SETUP_TIMEOUT_MS, "starting a Redis for the scale-out tests");
  for (let i = 0; i < 50 && !(await answers()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await answers())) throw new Error(`redis-server was started but nothing answers at ${HOST}:${PORT}`);
}
