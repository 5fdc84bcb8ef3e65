import { createHash, timingSafeEqual } from "node:crypto";
import { createMiddleware } from "@colyseus/core";
import type { Config } from "../config.ts";
import type { Logger } from "../observability/log.ts";
import type { Metrics } from "../observability/metrics.ts";
import { limitKey } from "../transport/clientAddress.ts";
import { TOO_MANY_REQUESTS, currentRequest, retryAfterSeconds } from "../transport/requestScope.ts";
import { LoginBackoff } from "./loginBackoff.ts";

/**
 * Failed monitor logins are counted per IPv6 /48 (a site's whole allocation), not /64 as
 * matchmaking is: a guesser holding a /48 would otherwise get a fresh set of tries per /64.
 */
const LOGIN_IPV6_PREFIX_BITS = 48;

/** The browser's login prompt says this. */
const REALM = "Tickwire monitor";
const CHALLENGE = `Basic realm="${REALM}", charset="UTF-8"`;

/**
 * The longest lock-out, and how long a locked-out address is remembered after it: long enough to
 * make guessing hopeless (a handful of tries an hour), short enough that an operator who
 * mistyped is not shut out of their own dashboard for long.
 */
const MAX_BACKOFF_MS = 15 * 60_000;

/**
 * Where the address is unknown (the middleware served by a router that serveHttp does not run):
 * every such request shares one back-off, which errs on the side of locking out.
 */
const UNKNOWN_ADDRESS = "unknown";

export interface MonitorAuthDeps {
  config: Pick<Config, "monitorUser" | "monitorPassword" | "monitorLoginFailures" | "monitorLoginBackoffSeconds">;
  metrics: Pick<Metrics, "rateLimited">;
  log: Logger;
}

const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();

/** `user:password` of a `Basic` Authorization header, or undefined. */
function basicCredentials(header: string | null): { user: string; password: string } | undefined {
  const m = header ? /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * HTTP basic auth for the monitor's routes, with a back-off per client address: after
 * MONITOR_LOGIN_FAILURES wrong logins the address gets 429 with `Retry-After` for
 * MONITOR_LOGIN_BACKOFF_SECONDS, doubling with each further failure up to 15 minutes, even with
 * the right password while it lasts; a success
 * clears it. User and password are compared in constant time (both sides hashed first, so their
 * lengths leak nothing either). A request without credentials gets the 401 challenge and counts
 * as no failure. One warning is logged when an address is first locked out (not per attempt).
 *
 * The address is the one serveHttp found for the request (the socket's, or the forwarded one
 * behind a trusted proxy), never a header read here. Create one per process and share it between
 * route groups, so that they share the back-off.
 *
 * @example
 * ```ts
 * const monitorAuth = createMonitorAuth({ config, metrics, log: createLogger("monitor") });
 * createEndpoint("/monitor/tickwire/", { method: "GET", use: [monitorAuth] }, async () => ...);
 * ```
 */
export function createMonitorAuth(deps: MonitorAuthDeps) {
  const { config, metrics, log } = deps;
  const backoff = new LoginBackoff({
    failures: config.monitorLoginFailures,
    baseMs: config.monitorLoginBackoffSeconds * 1000,
    maxMs: MAX_BACKOFF_MS,
  });
  const user = digest(config.monitorUser);
  const password = digest(config.monitorPassword);

  return createMiddleware(async (ctx) => {
    const address = currentRequest()?.address ?? UNKNOWN_ADDRESS;
    const key = limitKey(address, LOGIN_IPV6_PREFIX_BITS);
    const now = Date.now();
    const locked = backoff.lockedFor(key, now);
    if (locked > 0) {
      metrics.rateLimited.inc({ limit: "monitor_login" });
      const retry = retryAfterSeconds(locked);
      // The shape of the matchmaking 429, whose `code` is a number (better-call types it a string).
      const error = `too many failed monitor logins from this address (MONITOR_LOGIN_FAILURES); retry in ${retry} s`;
      const body = { code: TOO_MANY_REQUESTS, error, limit: "monitor_login", retryAfterSeconds: retry };
      throw ctx.error(TOO_MANY_REQUESTS, body as unknown as { message: string }, { "Retry-After": String(retry) });
    }
    const given = basicCredentials(ctx.getHeader("authorization"));
    if (given) {
      // Both compared whatever the first gives: no early exit to time.
      const userOk = timingSafeEqual(user, digest(given.user));
      const passwordOk = timingSafeEqual(password, digest(given.password));
      if (userOk && passwordOk) {
        backoff.succeeded(key);
        return;
      }
      const { lockMs, firstLock, shared } = backoff.failed(key, now);
      if (firstLock && shared) {
        log.warn(
          "monitor login: the back-off table is full of locked-out addresses; new addresses now share one lock-out",
          { address, lockSeconds: lockMs / 1000 },
        );
      } else if (firstLock) {
        log.warn("monitor login: address locked out after repeated failed logins", {
          address,
          failures: config.monitorLoginFailures,
          lockSeconds: lockMs / 1000,
        });
      }
    }
    throw ctx.error(401, { message: "authentication required" }, { "WWW-Authenticate": CHALLENGE });
  });
}
