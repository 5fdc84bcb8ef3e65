import { AsyncLocalStorage } from "node:async_hooks";

// The HTTP request being served, for code the router calls that is handed no request: the
// matchmaker's choice of a process for a new room (charged to the requesting address) and the
// monitor's login check.

/** HTTP status of a request refused for going over a per-address limit. */
export const TOO_MANY_REQUESTS = 429;

/** Why a request was refused with 429. */
export interface Refusal {
  /** The limit's label on `tickwire_rate_limited_total` (`join`, `room_create`, `monitor_login`). */
  readonly limit: string;
  /** What the client is told: which limit, and when to come back. */
  readonly message: string;
  /** Whole seconds, at least 1: the `Retry-After` header. */
  readonly retryAfterSeconds: number;
}

/** One HTTP request, as code running for it sees it. */
export interface RequestScope {
  /** The client's address: the socket's peer, or the forwarded one behind a trusted proxy. */
  readonly address: string;
  /** Set by code deep in the router that refuses the request: serveHttp then answers 429 with it. */
  refusal: Refusal | undefined;
  /** Set once answered. Timers started while serving it (a room's tick) inherit the scope; they must not see a request. */
  finished: boolean;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` (and everything it awaits) as part of the request `scope`. */
export function runInRequest<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/** The HTTP request this code runs for, or undefined outside one (a tick, a WebSocket message, a timer). */
export function currentRequest(): RequestScope | undefined {
  const scope = storage.getStore();
  return scope && !scope.finished ? scope : undefined;
}

/** Milliseconds until a limit frees up, as a `Retry-After` value: whole seconds, rounded up, at least 1. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
