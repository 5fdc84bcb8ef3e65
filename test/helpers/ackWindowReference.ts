// The earlier implementation of server/src/transport/unreliable/window.ts (an array of record
// objects and arrays of sample objects), kept as a reference for equivalence: a unit test drives it
// and the current AckWindow with the same calls and expects the same answers, and
// loadtest/src/bench/ackWindow.ts times the two. It is not used by the server.

// The send window of one client's unreliable channel: socket-free, driven by explicit times,
// so a unit test can run it against a simulated link.
//
// Over TCP nothing is lost, but everything handed to the socket waits behind what went before
// it, first in the kernel's send buffer and then in the path's queues, long before the
// server's own user-space backlog shows it. So the client acknowledges the newest frame it
// applied and the server keeps at most about one bandwidth-delay product of unacknowledged
// frames in flight; a frame that does not fit is dropped (the next one that goes out carries
// the full current values, see serializer.ts).
//
// The window is `gain x bottleneck rate x min RTT` (at least one frame):
// - the rate is the best delivery rate seen lately (bytes acknowledged per ms, measured over
//   each frame's flight the way BBR samples it), the RTT the smallest seen lately;
// - on a link slower than the flush rate a frame's own transmission time is the whole RTT,
//   so the window comes out at one frame: the physical limit, no queue;
// - on a fast link with a long delay the window holds the frames a full RTT needs.
// With one frame in flight the two cases look the same (rate x RTT = one frame either way),
// so the window is probed: while round trips show no queueing ("startup"), one frame beyond
// the window may be in flight; if it comes back without queueing, the window keeps one more
// frame and the next probe follows (rate samples taken while frames were being dropped
// understate the link, so the rate alone would never open the window). A queued sample ends
// startup and gives one such frame back. A failed probe costs that one frame a transmission time of extra delay, so probing
// resumes only when the path looks different (the min RTT moved by PROBE_RTT_CHANGE since the
// last failed probe) or after PROBE_INTERVAL_MS, and only if frames were dropped for want of
// window meanwhile.
//
// An ack also comes late for reasons that are no queue: the client holds it for an input to
// ride on (it says for how long), and a busy process answers a few ms late. On a fast path the
// window is one frame and a bare ack is held for most of a flush interval, so one late ack
// would cost a healthy client a frame. So when the oldest frame is overdue by more than twice
// the queue-free round trip, the time its bytes beyond a small frame take to cross at the best
// rate seen, and the longest hold seen lately, and the last round trip showed no queue, one
// frame beyond the window may follow it (see #lateAck).

/** Multiplier on the estimated bandwidth-delay product. Below 2 so that a link whose
 *  bandwidth-delay product is one frame keeps exactly one frame in flight; above 1.3 so that
 *  an uncongested link with several frames per RTT has a frame of slack for jitter. */
export const WINDOW_GAIN = 1.6;
/** A round trip longer than `minRtt x QUEUE_RTT_FACTOR + QUEUE_RTT_SLACK_MS` means a queue. */
export const QUEUE_RTT_FACTOR = 1.25;
export const QUEUE_RTT_SLACK_MS = 3;
/** How long a min-RTT or max-rate sample stays in its filter. */
export const FILTER_WINDOW_MS = 10_000;
/** Longest time between two window probes while frames are dropped for want of window. */
export const PROBE_INTERVAL_MS = 60_000;
/** A min RTT this much different (as a fraction) from the last failed probe's starts a new one. */
export const PROBE_RTT_CHANGE = 0.5;

export interface WindowOptions {
  /** Hard cap on unacknowledged frames, whatever the estimate (bounds memory per client). */
  maxFramesInFlight: number;
}

interface InFlight {
  seq: number;
  /** Sent beyond the window to test it (see startup). */
  probe: boolean;
  bytes: number;
  sentAt: number;
  /** Bytes acknowledged when this frame was sent, and when that count last moved. */
  delivered: number;
  deliveredAt: number;
}

interface Sample {
  at: number;
  value: number;
}

/** Keeps the best of timed samples over a sliding window (max or min). */
class WindowedBest {
  #samples: Sample[] = [];
  constructor(readonly better: (a: number, b: number) => boolean) {}

  add(at: number, value: number): void {
    // Samples that are worse and older than the new one can never be the best again.
    while (this.#samples.length > 0 && !this.better(this.#samples[this.#samples.length - 1]!.value, value)) {
      this.#samples.pop();
    }
    this.#samples.push({ at, value });
  }

  best(now: number): number | undefined {
    while (this.#samples.length > 1 && now - this.#samples[0]!.at > FILTER_WINDOW_MS) this.#samples.shift();
    return this.#samples[0]?.value;
  }
}

export interface WindowStats {
  framesInFlight: number;
  bytesInFlight: number;
  windowBytes: number;
  minRttMs: number | undefined;
  latestRttMs: number | undefined;
  /** Bytes per second. */
  deliveryRate: number | undefined;
  /** True while the window is being probed upwards. */
  probing: boolean;
}

export class AckWindow {
  readonly #maxFrames: number;
  #inFlight: InFlight[] = [];
  #bytesInFlight = 0;
  #delivered = 0;
  #deliveredAt = 0;
  #minRtt = new WindowedBest((a, b) => a < b);
  #maxRate = new WindowedBest((a, b) => a > b);
  #maxHeld = new WindowedBest((a, b) => a > b);
  /** Smallest acknowledged frame lately: the size the minimum RTT is typical of. */
  #minFrameBytes = new WindowedBest((a, b) => a < b);
  #latestRtt: number | undefined;
  #latestQueued = false;
  #lastFrameBytes = 0;
  #startup = true;
  /** The next frame sent goes beyond the window, as a probe. */
  #nextIsProbe = false;
  #probeInFlight = false;
  /** Frames added by successful probes, in bytes. */
  #extraBytes = 0;
  #limitedSinceProbe = false;
  #failedProbeAt = 0;
  #failedProbeRtt = 0;

  constructor(opts: WindowOptions) {
    this.#maxFrames = Math.max(1, opts.maxFramesInFlight);
  }

  /** Whether a frame may go out now; false means it is dropped. */
  canSend(now: number): boolean {
    this.#nextIsProbe = false;
    if (this.#inFlight.length === 0) return true;
    if (this.#inFlight.length >= this.#maxFrames) return this.#limited();
    const window = this.windowBytes(now);
    if (this.#bytesInFlight + this.#lastFrameBytes <= window) return true;
    if (this.#startup && !this.#probeInFlight) {
      this.#nextIsProbe = true;
      return true;
    }
    if (this.#lateAck(now, window)) return true;
    return this.#limited();
  }

  /** Records a frame handed to the socket (after `canSend` said yes). */
  onSent(seq: number, bytes: number, now: number): void {
    if (this.#inFlight.length === 0) this.#deliveredAt = now;
    const probe = this.#nextIsProbe;
    this.#nextIsProbe = false;
    if (probe) this.#probeInFlight = true;
    this.#inFlight.push({ seq, probe, bytes, sentAt: now, delivered: this.#delivered, deliveredAt: this.#deliveredAt });
    this.#bytesInFlight += bytes;
    // Only a client that never acknowledges gets past the cap (its frames are gated by the
    // socket backlog instead); forget its oldest records so memory stays bounded.
    while (this.#inFlight.length > this.#maxFrames) this.#bytesInFlight -= this.#inFlight.shift()!.bytes;
    this.#lastFrameBytes = bytes;
  }

  /**
   * The client applied every frame up to `seq` (TCP delivers in order). Acks for frames not in
   * flight (duplicates, stale or invented numbers) are ignored. Returns false when ignored.
   */
  onAck(seq: number, heldMs: number, now: number): boolean {
    const idx = this.#inFlight.findIndex((f) => f.seq === seq);
    if (idx < 0) return false;
    let newest: InFlight | undefined;
    let probeAcked = false;
    for (const f of this.#inFlight.splice(0, idx + 1)) {
      this.#delivered += f.bytes;
      this.#bytesInFlight -= f.bytes;
      probeAcked ||= f.probe;
      newest = f;
    }
    if (probeAcked) this.#probeInFlight = false;
    this.#deliveredAt = now;
    const frame = newest!;
    const rtt = Math.max(0, now - frame.sentAt - heldMs);
    const interval = now - frame.deliveredAt;
    if (interval > 0) this.#maxRate.add(now, (this.#delivered - frame.delivered) / interval);
    const minRtt = this.#minRtt.best(now);
    const queued = minRtt !== undefined && rtt > minRtt * QUEUE_RTT_FACTOR + QUEUE_RTT_SLACK_MS;
    this.#minRtt.add(now, rtt);
    this.#maxHeld.add(now, heldMs);
    this.#minFrameBytes.add(now, frame.bytes);
    this.#latestRtt = rtt;
    this.#latestQueued = queued;
    if (queued) this.#extraBytes = Math.max(0, this.#extraBytes - this.#lastFrameBytes);
    else if (probeAcked) this.#extraBytes += this.#lastFrameBytes;
    if (this.#startup) {
      if (queued) {
        this.#startup = false;
        this.#failedProbeAt = now;
        this.#failedProbeRtt = this.#minRtt.best(now) ?? rtt;
      }
    } else if (!queued && this.#limitedSinceProbe && this.#pathChanged(now)) {
      this.#startup = true;
      this.#limitedSinceProbe = false;
    }
    return true;
  }

  /** The window in bytes (at least one frame). */
  windowBytes(now: number): number {
    const rate = this.#maxRate.best(now);
    const rtt = this.#minRtt.best(now);
    const estimate = rate !== undefined && rtt !== undefined ? WINDOW_GAIN * rate * rtt : 0;
    return Math.max(this.#lastFrameBytes, estimate) + this.#extraBytes;
  }

  /** Unacknowledged frames. */
  get framesInFlight(): number {
    return this.#inFlight.length;
  }

  stats(now: number): WindowStats {
    const rate = this.#maxRate.best(now);
    return {
      framesInFlight: this.#inFlight.length,
      bytesInFlight: this.#bytesInFlight,
      windowBytes: Math.round(this.windowBytes(now)),
      minRttMs: this.#minRtt.best(now),
      latestRttMs: this.#latestRtt,
      deliveryRate: rate === undefined ? undefined : Math.round(rate * 1000),
      probing: this.#startup,
    };
  }

  #pathChanged(now: number): boolean {
    if (now - this.#failedProbeAt >= PROBE_INTERVAL_MS) return true;
    const rtt = this.#minRtt.best(now);
    return rtt !== undefined && Math.abs(rtt - this.#failedProbeRtt) > PROBE_RTT_CHANGE * this.#failedProbeRtt;
  }

  /** The oldest frame's ack is late with no sign of a queue, and no frame went beyond the window yet. */
  #lateAck(now: number, window: number): boolean {
    if (this.#latestQueued || this.#probeInFlight || this.#bytesInFlight > window) return false;
    const minRtt = this.#minRtt.best(now);
    const rate = this.#maxRate.best(now);
    if (minRtt === undefined || !rate) return false;
    // The minimum RTT is typical of small frames: bytes in flight beyond one such frame need
    // their own time to cross at the best delivery rate seen (a keyframe on a slow link), or
    // their ack only looks late.
    const crossing = Math.max(0, this.#bytesInFlight - (this.#minFrameBytes.best(now) ?? 0)) / rate;
    const expected = 2 * minRtt * QUEUE_RTT_FACTOR + QUEUE_RTT_SLACK_MS + crossing + (this.#maxHeld.best(now) ?? 0);
    return now - this.#inFlight[0]!.sentAt > expected;
  }

  #limited(): false {
    this.#limitedSinceProbe = true;
    return false;
  }
}
