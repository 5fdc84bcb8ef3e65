import { Redis } from "ioredis";
import { matchMaker } from "@colyseus/core";
import { RedisPresence } from "@colyseus/redis-presence";
import { RedisDriver } from "@colyseus/redis-driver";
import type { Config } from "../config.ts";
import type { Logger } from "../observability/log.ts";

/** How long start-up waits for Redis to answer before it gives up with a clear error. */
const CONNECT_TIMEOUT_MS = 5000;

/** This process's membership of a cluster of Tickwire processes sharing one Redis. */
export interface Cluster {
  readonly presence: RedisPresence;
  readonly driver: RedisDriver;
  /** Starts looking for peers that vanished (killed, crashed) and removing their rooms from the listing. */
  startSweeping(): void;
  stopSweeping(): void;
  /** Removes this process and its rooms from the shared listing (shutdown past its timeout). */
  forgetSelf(): Promise<void>;
}

/**
 * Connects presence (pub/sub, process stats, seat reservations across processes) and the room
 * listing to Redis. Fails start-up with the URL's host in the message when Redis does not answer.
 */
export async function connectCluster(config: Config, log: Logger): Promise<Cluster> {
  const url = config.redisUrl!;
  const shown = url.replace(/\/\/[^@/]*@/, "//***@");
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: () => null,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new Error(`REDIS_URL=${shown}: Redis does not answer (${(err as Error).message})`);
  } finally {
    probe.disconnect();
  }

  const presence = new RedisPresence(url);
  const driver = new RedisDriver(url);
  log.info(
    `cluster: Redis presence and room listing at ${shown}; clients reach this process at ${config.publicAddress}`,
  );

  let timer: NodeJS.Timeout | undefined;
  let sweeping = false;
  return {
    presence,
    driver,
    startSweeping() {
      // Colyseus checks peers only at start-up and when a join to them times out, so the rooms
      // of a killed process would stay listed until someone tried one. Every sweep compares the
      // processes with published stats to those still subscribed to their channel; a missing
      // one gets a health check (2 s) and, failing it, its rooms are removed from the listing.
      timer = setInterval(async () => {
        if (sweeping) return;
        sweeping = true;
        try {
          await matchMaker.healthCheckAllProcesses();
        } catch (err) {
          log.warn("cluster sweep failed", { err });
        } finally {
          sweeping = false;
        }
      }, config.clusterSweepSeconds * 1000);
      timer.unref();
    },
    stopSweeping() {
      clearInterval(timer);
    },
    async forgetSelf() {
      await matchMaker.stats.excludeProcess(matchMaker.processId);
      await driver.cleanup(matchMaker.processId);
    },
  };
}
