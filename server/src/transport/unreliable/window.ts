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

// The hot path (canSend and onSent once per frame, onAck once per ack, for every client) allocates
// nothing but, rarely, a larger ring: the frames in flight are a ring of records held in typed
// arrays, one per field, and each filter is a ring of samples held the same way. Numbers are
// stored as Float64 so that every value a caller passes (sequence numbers, sizes, times) comes
// back exactly as given.

/** Samples a filter has room for at first; a filter that needs more doubles its room (see WindowedBest). */
const FILTER_INITIAL_SLOTS = 16;
/** Records the frames in flight have room for at first (the default maxFramesInFlight); more frames
 *  in flight double the room, up to the cap. */
const IN_FLIGHT_INITIAL_SLOTS = 32;

/**
 * Keeps the best of timed samples over a sliding window (max or min): a monotonic deque, oldest
 * first, in which each sample is better than every later one, so the oldest is the best. The
 * samples are a ring over two Float64Arrays (time, value). It holds every sample with no better one
 * after it, until `best` finds it past the window: a handful usually, one per ack if the value
 * worsens steadily; when full it doubles its room, and keeps it.
 */
class WindowedBest {
  /** True: larger values are better; false: smaller. */
  readonly #max: boolean;
  #at = new Float64Array(FILTER_INITIAL_SLOTS);
  #values = new Float64Array(FILTER_INITIAL_SLOTS);
  /** Slot of the oldest sample. */
  #head = 0;
  #count = 0;

  constructor(max: boolean) {
    this.#max = max;
  }

  add(at: number, value: number): void {
    // Samples that are worse and older than the new one can never be the best again.
    // ("Not better" rather than "worse or equal": a NaN on either side is dropped too.)
    const values = this.#values;
    while (this.#count > 0 && !this.#better(values[this.#slot(this.#count - 1)]!, value)) this.#count--;
    if (this.#count === values.length) this.#grow();
    const slot = this.#slot(this.#count);
    this.#at[slot] = at;
    this.#values[slot] = value;
    this.#count++;
  }

  /** No sample yet (once there is one there always is: the newest outlives the window). */
  get empty(): boolean {
    return this.#count === 0;
  }

  /**
   * The best sample not older than FILTER_WINDOW_MS (the newest if all are), meaningless while
   * `empty`. Kept apart from `empty` so that no number here is ever merged with undefined (a
   * number | undefined result costs the engine a heap number each time).
   */
  best(now: number): number {
    const capacity = this.#at.length;
    while (this.#count > 1 && now - this.#at[this.#head]! > FILTER_WINDOW_MS) {
      this.#head = this.#head + 1 === capacity ? 0 : this.#head + 1;
      this.#count--;
    }
    return this.#values[this.#head]!;
  }

  #better(a: number, b: number): boolean {
    return this.#max ? a > b : a < b;
  }

  /** The ring slot of the i-th sample from the oldest. */
  #slot(i: number): number {
    const slot = this.#head + i;
    return slot >= this.#at.length ? slot - this.#at.length : slot;
  }

  /** Doubles the room, the samples moved to the start in order. */
  #grow(): void {
    const at = new Float64Array(this.#at.length * 2);
    const values = new Float64Array(at.length);
    for (let i = 0; i < this.#count; i++) {
      const slot = this.#slot(i);
      at[i] = this.#at[slot]!;
      values[i] = this.#values[slot]!;
    }
    this.#at = at;
    this.#values = values;
    this.#head = 0;
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
  /** The most records ever in flight: the cap in whole frames (none for a NaN cap, which no
   *  comparison below ever meets). */
  readonly #maxSlots: number;
  // The frames in flight, oldest first: #count records from slot #head of a ring, one typed array
  // per field. The ring starts small and doubles, up to #maxSlots, when a frame finds it full.
  #seqs: Float64Array;
  /** 1 for a frame sent beyond the window to test it (see startup). */
  #probes: Uint8Array;
  #bytes: Float64Array;
  #sentAt: Float64Array;
  /** Bytes acknowledged when the frame was sent, and when that count last moved. */
  #sentDelivered: Float64Array;
  #sentDeliveredAt: Float64Array;
  #head = 0;
  #count = 0;
  #bytesInFlight = 0;
  #delivered = 0;
  #deliveredAt = 0;
  #minRtt = new WindowedBest(false);
  #maxRate = new WindowedBest(true);
  #maxHeld = new WindowedBest(true);
  /** Smallest acknowledged frame lately: the size the minimum RTT is typical of. */
  #minFrameBytes = new WindowedBest(false);
  /** Meaningful once an ack was taken (then #minRtt is not empty). */
  #latestRtt = 0;
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
    const whole = Math.floor(this.#maxFrames);
    this.#maxSlots = whole >= 1 ? whole : Number.POSITIVE_INFINITY;
    const slots = Math.min(this.#maxSlots, IN_FLIGHT_INITIAL_SLOTS);
    this.#seqs = new Float64Array(slots);
    this.#probes = new Uint8Array(slots);
    this.#bytes = new Float64Array(slots);
    this.#sentAt = new Float64Array(slots);
    this.#sentDelivered = new Float64Array(slots);
    this.#sentDeliveredAt = new Float64Array(slots);
  }

  /** Whether a frame may go out now; false means it is dropped. */
  canSend(now: number): boolean {
    this.#nextIsProbe = false;
    if (this.#count === 0) return true;
    if (this.#count >= this.#maxFrames) return this.#limited();
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
    if (this.#count === 0) this.#deliveredAt = now;
    const probe = this.#nextIsProbe;
    this.#nextIsProbe = false;
    if (probe) this.#probeInFlight = true;
    this.#bytesInFlight += bytes;
    // Only a client that never acknowledges gets past the cap (its frames are gated by the
    // socket backlog instead); forget its oldest record so memory stays bounded. (At most one:
    // there are never more records than the cap.)
    if (this.#count + 1 > this.#maxFrames) {
      this.#bytesInFlight -= this.#bytes[this.#head]!;
      this.#head = this.#head + 1 === this.#seqs.length ? 0 : this.#head + 1;
      this.#count--;
    }
    if (this.#count === this.#seqs.length) this.#grow();
    const slot = this.#slot(this.#count);
    this.#seqs[slot] = seq;
    this.#probes[slot] = probe ? 1 : 0;
    this.#bytes[slot] = bytes;
    this.#sentAt[slot] = now;
    this.#sentDelivered[slot] = this.#delivered;
    this.#sentDeliveredAt[slot] = this.#deliveredAt;
    this.#count++;
    this.#lastFrameBytes = bytes;
  }

  /**
   * The client applied every frame up to `seq` (TCP delivers in order). Acks for frames not in
   * flight (duplicates, stale or invented numbers) are ignored. Returns false when ignored.
   */
  onAck(seq: number, heldMs: number, now: number): boolean {
    // The oldest frame in flight with that number (frames are in flight in the order sent).
    const seqs = this.#seqs;
    const capacity = seqs.length;
    const count = this.#count;
    let slot = this.#head;
    let index = 0;
    while (index < count && seqs[slot] !== seq) {
      slot = slot + 1 === capacity ? 0 : slot + 1;
      index++;
    }
    if (index === count) return false;
    // It and every frame before it are acknowledged, oldest first.
    const acked = index + 1;
    const sizes = this.#bytes;
    const probes = this.#probes;
    let probeAcked = false;
    let at = this.#head;
    for (let i = 0; i < acked; i++) {
      const bytes = sizes[at]!;
      this.#delivered += bytes;
      this.#bytesInFlight -= bytes;
      probeAcked ||= probes[at] === 1;
      at = at + 1 === capacity ? 0 : at + 1;
    }
    this.#head = at;
    this.#count = count - acked;
    if (probeAcked) this.#probeInFlight = false;
    this.#deliveredAt = now;
    // `slot` is the newest frame acknowledged.
    const frameBytes = sizes[slot]!;
    const rtt = Math.max(0, now - this.#sentAt[slot]! - heldMs);
    const interval = now - this.#sentDeliveredAt[slot]!;
    if (interval > 0) this.#maxRate.add(now, (this.#delivered - this.#sentDelivered[slot]!) / interval);
    const minRtt = this.#minRtt.best(now);
    const queued = !this.#minRtt.empty && rtt > minRtt * QUEUE_RTT_FACTOR + QUEUE_RTT_SLACK_MS;
    this.#minRtt.add(now, rtt);
    this.#maxHeld.add(now, heldMs);
    this.#minFrameBytes.add(now, frameBytes);
    this.#latestRtt = rtt;
    this.#latestQueued = queued;
    if (queued) this.#extraBytes = Math.max(0, this.#extraBytes - this.#lastFrameBytes);
    else if (probeAcked) this.#extraBytes += this.#lastFrameBytes;
    if (this.#startup) {
      if (queued) {
        this.#startup = false;
        this.#failedProbeAt = now;
        // (Not empty: it just took a sample.)
        this.#failedProbeRtt = this.#minRtt.best(now);
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
    const estimate = this.#maxRate.empty || this.#minRtt.empty ? 0 : WINDOW_GAIN * rate * rtt;
    return Math.max(this.#lastFrameBytes, estimate) + this.#extraBytes;
  }

  /** The round trip of the newest acknowledged frame, without the time its ack was held (0 before any). */
  get latestRttMs(): number {
    return this.#latestRtt;
  }

  /** Unacknowledged frames. */
  get framesInFlight(): number {
    return this.#count;
  }

  stats(now: number): WindowStats {
    const rate = this.#maxRate.best(now);
    return {
      framesInFlight: this.#count,
      bytesInFlight: this.#bytesInFlight,
      windowBytes: Math.round(this.windowBytes(now)),
      minRttMs: this.#minRtt.empty ? undefined : this.#minRtt.best(now),
      latestRttMs: this.#minRtt.empty ? undefined : this.#latestRtt,
      deliveryRate: this.#maxRate.empty ? undefined : Math.round(rate * 1000),
      probing: this.#startup,
    };
  }

  #pathChanged(now: number): boolean {
    if (now - this.#failedProbeAt >= PROBE_INTERVAL_MS) return true;
    const rtt = this.#minRtt.best(now);
    return !this.#minRtt.empty && Math.abs(rtt - this.#failedProbeRtt) > PROBE_RTT_CHANGE * this.#failedProbeRtt;
  }

  /** The oldest frame's ack is late with no sign of a queue, and no frame went beyond the window yet. */
  #lateAck(now: number, window: number): boolean {
    if (this.#latestQueued || this.#probeInFlight || this.#bytesInFlight > window) return false;
    const minRtt = this.#minRtt.best(now);
    const rate = this.#maxRate.best(now);
    if (this.#minRtt.empty || this.#maxRate.empty || !rate) return false;
    // The minimum RTT is typical of small frames: bytes in flight beyond one such frame need
    // their own time to cross at the best delivery rate seen (a keyframe on a slow link), or
    // their ack only looks late.
    const smallest = this.#minFrameBytes.best(now);
    const crossing = Math.max(0, this.#bytesInFlight - (this.#minFrameBytes.empty ? 0 : smallest)) / rate;
    const held = this.#maxHeld.best(now);
    const expected = 2 * minRtt * QUEUE_RTT_FACTOR + QUEUE_RTT_SLACK_MS + crossing + (this.#maxHeld.empty ? 0 : held);
    return now - this.#sentAt[this.#head]! > expected;
  }

  #limited(): false {
    this.#limitedSinceProbe = true;
    return false;
  }

  /** The ring slot of the i-th frame in flight from the oldest. */
  #slot(i: number): number {
    const slot = this.#head + i;
    return slot >= this.#seqs.length ? slot - this.#seqs.length : slot;
  }

  /** Doubles the room for records (up to the cap), the records moved to the start in order. */
  #grow(): void {
    const slots = Math.min(this.#seqs.length * 2, this.#maxSlots);
    const seqs = new Float64Array(slots);
    const probes = new Uint8Array(slots);
    const bytes = new Float64Array(slots);
    const sentAt = new Float64Array(slots);
    const delivered = new Float64Array(slots);
    const deliveredAt = new Float64Array(slots);
    for (let i = 0; i < this.#count; i++) {
      const slot = this.#slot(i);
      seqs[i] = this.#seqs[slot]!;
      probes[i] = this.#probes[slot]!;
      bytes[i] = this.#bytes[slot]!;
      sentAt[i] = this.#sentAt[slot]!;
      delivered[i] = this.#sentDelivered[slot]!;
      deliveredAt[i] = this.#sentDeliveredAt[slot]!;
    }
    this.#seqs = seqs;
    this.#probes = probes;
    this.#bytes = bytes;
    this.#sentAt = sentAt;
    this.#sentDelivered = delivered;
    this.#sentDeliveredAt = deliveredAt;
    this.#head = 0;
  }
}
