import { bots } from "./numbers.ts";
import type { BotSpec } from "./protocol.ts";
import { MAX_RATE_LIMIT_WAIT_MS } from "./rateLimitWait.ts";

// The run's rooms: one creator bot per room first, then the other bots join those rooms by id,
// spread over the ramp.

/** How long the creators get while none has been told 429: one join (seat, socket, handshake). */
const CREATE_MS = 15_000;
/** How often the creators' progress is looked at. */
const POLL_MS = 50;

/** What the coordinator has heard from the creator bots so far. */
export interface CreatorsSeen {
  created: number;
  failed: number;
  /** Seat requests answered 429 (the server's per-address limits). */
  rateLimited: number;
}

/** One creator bot per room. */
export function creatorSpecs(rooms: number): BotSpec[] {
  return Array.from({ length: rooms }, (_, i) => ({ index: i, delayMs: 0 }));
}

/**
 * Resolves once every creator has made its room or given up. A server that limits room
 * creations per address answers 429 with a wait of up to its window; a creator waits that out
 * for up to MAX_RATE_LIMIT_WAIT_MS in all before it gives up (counted failed), so once a 429 is
 * seen this waits as long, and one join's time more, while any creator is still pending
 * (`onRateLimited` is told once, when the first 429 is seen).
 */
export async function awaitCreators(
  rooms: number,
  seen: () => CreatorsSeen,
  onRateLimited: () => void = () => {},
): Promise<void> {
  const start = Date.now();
  let told = false;
  for (;;) {
    const s = seen();
    if (s.created + s.failed >= rooms) return;
    if (s.rateLimited > 0 && !told) {
      told = true;
      onRateLimited();
    }
    const limit = s.rateLimited > 0 ? MAX_RATE_LIMIT_WAIT_MS + CREATE_MS : CREATE_MS;
    if (Date.now() - start >= limit) return;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The error to report when fewer rooms than asked could be created (the run then fails); undefined when all were. */
export function roomsShortfall(created: number, rooms: number, others: number): string | undefined {
  if (created >= rooms) return undefined;
  if (created === 0)
    return `no room could be created: the ${bots(others)} to join them were not started (counted failed)`;
  return `only ${created} of ${rooms} rooms could be created: the ${bots(others)} to join them went to those ${created}`;
}

/**
 * The other bots: bot `rooms + k` joins room `k mod created`, `k` ramp-fractions in. Without
 * any room a bot has no spec (undefined): it is counted failed.
 */
export function joinerSpecs(clients: number, rooms: number, created: readonly string[], rampSeconds: number) {
  const rest = clients - rooms;
  return Array.from({ length: rest }, (_, k): BotSpec | undefined => {
    const roomId = created[k % Math.max(1, created.length)];
    if (!roomId) return undefined;
    return { index: rooms + k, roomId, delayMs: rest > 1 ? Math.round((rampSeconds * 1000 * k) / rest) : 0 };
  });
}
