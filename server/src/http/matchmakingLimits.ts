import { ServerError, matchMaker } from "@colyseus/core";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { RequestGuard } from "../transport/httpServe.ts";
import { limitKey } from "../transport/clientAddress.ts";
import { TOO_MANY_REQUESTS, type Refusal, currentRequest, retryAfterSeconds } from "../transport/requestScope.ts";
import type { RateLimit } from "../observability/metrics.ts";

export interface MatchmakingLimitOptions {
  /** Matchmaking requests per second from one address (every method counts); 0: no limit. */
  joinsPerSecond: number;
  /** Rooms one address may have created per window; 0: no limit. */
  createsPerWindow: number;
  createWindowSeconds: number;
  /** Told of each request refused, by limit (for /metrics). */
  onRefused(limit: RateLimit): void;
}

/**
 * Per-address limits on matchmaking: requests per second, and rooms created per window. Each
 * address (an IPv6 one by its /64) has its own counts, forgotten when its window ends.
 *
 * A room creation is counted when Colyseus picks the process that will create a room for the
 * request (wrap `selectProcessIdToCreateRoom` with `chargingCreations`): a `joinOrCreate` that
 * finds a room is no creation, a `create` is. A `create` from an address with nothing left is
 * refused before it is routed.
 */
export class MatchmakingLimits implements RequestGuard {
  readonly #opts: MatchmakingLimitOptions;
  readonly #joins: RateLimiterMemory | undefined;
  readonly #creates: RateLimiterMemory | undefined;
  readonly #route = `/${matchMaker.controller.matchmakeRoute}/`;

  constructor(opts: MatchmakingLimitOptions) {
    this.#opts = opts;
    if (opts.joinsPerSecond > 0) this.#joins = new RateLimiterMemory({ points: opts.joinsPerSecond, duration: 1 });
    if (opts.createsPerWindow > 0)
      this.#creates = new RateLimiterMemory({ points: opts.createsPerWindow, duration: opts.createWindowSeconds });
  }

  async admit(method: string, path: string, address: string): Promise<Refusal | undefined> {
    const matchmaking = this.#matchmakeMethod(method, path);
    if (matchmaking === undefined) return undefined;
    const key = limitKey(address);
    if (this.#joins) {
      const over = await overLimit(this.#joins.consume(key));
      if (over) return this.#refuse("join", over);
    }
    if (matchmaking === "create" && this.#creates) {
      const spent = await this.#creates.get(key);
      const exhausted = spent && spent.msBeforeNext > 0 && spent.consumedPoints >= this.#opts.createsPerWindow;
      if (exhausted) return this.#refuse("room_create", spent);
    }
    return undefined;
  }

  /**
   * Wraps the matchmaker's choice of a process for a new room, which Colyseus calls exactly when
   * it is about to create one, inside the request that asked: the creation is charged to the
   * request's address. Over budget, the request is marked refused (serveHttp answers 429) and
   * the creation stops here. A room created outside any HTTP request is not charged.
   */
  chargingCreations(select: matchMaker.SelectProcessIdCallback): matchMaker.SelectProcessIdCallback {
    return async (roomName, clientOptions) => {
      // A full cluster refuses first (503), and such a request created nothing.
      const processId = await select(roomName, clientOptions);
      const request = currentRequest();
      if (!request || !this.#creates) return processId;
      const over = await overLimit(this.#creates.consume(limitKey(request.address)));
      if (!over) return processId;
      const refusal = this.#refuse("room_create", over);
      request.refusal = refusal;
      throw new ServerError(TOO_MANY_REQUESTS, refusal.message);
    };
  }

  /** `create`, `joinOrCreate`, ... for a matchmaking request; undefined for any other. */
  #matchmakeMethod(method: string, path: string): string | undefined {
    if (method !== "POST" || !path.startsWith(this.#route)) return undefined;
    return path.slice(this.#route.length).split("/")[0];
  }

  #refuse(limit: RateLimit, res: RateLimiterRes): Refusal {
    this.#opts.onRefused(limit);
    const retry = retryAfterSeconds(res.msBeforeNext);
    const { joinsPerSecond, createsPerWindow, createWindowSeconds } = this.#opts;
    const message =
      limit === "join"
        ? `too many matchmaking requests from this address: at most ${joinsPerSecond} per second (MATCHMAKE_JOINS_PER_SECOND); retry in ${retry} s`
        : `too many rooms created from this address: at most ${createsPerWindow} per ${createWindowSeconds} s (MATCHMAKE_CREATES_PER_WINDOW); retry in ${retry} s`;
    return { limit, message, retryAfterSeconds: retry };
  }
}

/** A consume that went over the limit resolves with its result; one within it with undefined. */
async function overLimit(consumed: Promise<RateLimiterRes>): Promise<RateLimiterRes | undefined> {
  try {
    await consumed;
    return undefined;
  } catch (err) {
    // rate-limiter-flexible rejects with the result when over the limit, with an Error on a fault.
    if (err instanceof RateLimiterRes) return err;
    throw err;
  }
}
