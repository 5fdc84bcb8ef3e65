import { AckWindow } from "../../server/src/transport/unreliable/window.ts";

/** A one-way link: frames leave one after another at `bytesPerMs`, then travel `delayMs`. */
export interface SimLink {
  bytesPerMs: number;
  /** One-way propagation delay; acknowledgements take the same time back. */
  delayMs: number;
}

export interface SimResult {
  offered: number;
  sent: number;
  delivered: number;
  /** Arrival time minus the time the frame was built, for every frame delivered. */
  staleness: number[];
  /** Largest number of frames in flight at once. */
  maxInFlight: number;
  /** Frames sent while the link still carried an earlier one (they wait in a queue). */
  queued: number;
}

/** How the simulated client acknowledges. */
export interface SimClient {
  /** Each ack waits this long for an input to ride on, and says so (`heldMs`). Default 0. */
  holdMs?: number;
  /** Extra delay the client does not report (a busy process), by frame sequence number. */
  lateBy?: (seq: number) => number;
}

/**
 * Runs an AckWindow against a simulated link with explicit time (no clocks): a frame of
 * `frameBytes` is offered every `intervalMs`; the client acknowledges each frame on arrival
 * (after `client.holdMs` and any `client.lateBy`).
 */
export function simulate(
  link: SimLink,
  /** Bytes of every frame, or of the n-th frame offered (from 0). */
  frameBytes: number | ((n: number) => number),
  intervalMs: number,
  durationMs: number,
  maxFramesInFlight = 32,
  client: SimClient = {},
): SimResult {
  const holdMs = client.holdMs ?? 0;
  const w = new AckWindow({ maxFramesInFlight });
  const acks: Array<{ at: number; seq: number }> = [];
  const result: SimResult = { offered: 0, sent: 0, delivered: 0, staleness: [], maxInFlight: 0, queued: 0 };
  let linkFreeAt = 0;
  let seq = 0;
  for (let now = 0; now < durationMs; now += intervalMs) {
    // Deliver the acknowledgements due by now, in order.
    while (acks.length > 0 && acks[0]!.at <= now) {
      const ack = acks.shift()!;
      w.onAck(ack.seq, holdMs, ack.at);
    }
    const bytes = typeof frameBytes === "number" ? frameBytes : frameBytes(result.offered);
    result.offered++;
    if (!w.canSend(now)) continue;
    seq = (seq + 1) & 0xffff;
    w.onSent(seq, bytes, now);
    if (now < linkFreeAt) result.queued++;
    result.sent++;
    result.maxInFlight = Math.max(result.maxInFlight, w.framesInFlight);
    const departs = Math.max(now, linkFreeAt) + bytes / link.bytesPerMs;
    linkFreeAt = departs;
    const arrives = departs + link.delayMs;
    result.delivered++;
    result.staleness.push(arrives - now);
    acks.push({ at: arrives + holdMs + (client.lateBy?.(seq) ?? 0) + link.delayMs, seq });
    acks.sort((a, b) => a.at - b.at);
  }
  return result;
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
