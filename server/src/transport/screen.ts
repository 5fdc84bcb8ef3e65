import { CloseCodes } from "@tickwire/shared";
import { HELLO_CODE, HELLO_VERSION, INPUT_FRAME_CODE, TickwireProtocol } from "@tickwire/shared/protocol";
import type { TrafficMeter } from "./meter.ts";
import type { RateGate } from "./limits.ts";
import { inputFrameProblem } from "./inputFrame.ts";
import { ACK_ALONE, ACK_TRUNCATED, takeAck, type UnreliableChannel } from "./unreliable/channel.ts";

export interface ScreenLimits {
  maxMessageBytes: number;
  maxBareAcksPerSecond: number;
}

/** What to do with one client frame: hand `frame` to the room, drop it (it was all ack), or close the sender. */
export type Screened = { frame: Buffer } | { consumed: true } | { close: number; reason: string };

/** The answer for a frame that was all Tickwire's (an ack, a hello, inputs): one object for all. */
const CONSUMED: Screened = { consumed: true };

/**
 * Every client frame passes here before the room, on both transports, in this order: metered;
 * over MAX_MESSAGE_BYTES closes with 1009; a Tickwire ack header is taken off (a bad or flooding
 * ack closes with 4002); what is left counts against the rate gate (4101). A Tickwire input
 * frame then goes to the client's input sink (malformed: 4002); a Colyseus input frame must
 * have sound framing (4002) before the room gets it. Each refusal is counted on the meter.
 */
export function screenFrame(
  frame: Buffer,
  channel: UnreliableChannel | undefined,
  gate: RateGate | undefined,
  limits: ScreenLimits,
  meter: TrafficMeter,
  now: number,
): Screened {
  meter.received(frame.byteLength);
  if (frame.byteLength > limits.maxMessageBytes) {
    meter.oversized();
    return { close: CloseCodes.MESSAGE_TOO_BIG, reason: "message too big" };
  }
  // Where the frame behind a Tickwire ack header starts (0: no header).
  let at = 0;
  if (frame[0] === TickwireProtocol.ACK) {
    at = takeAck(frame, channel, limits.maxBareAcksPerSecond, now);
    if (at === ACK_ALONE) return CONSUMED;
    if (at < 0) {
      const reason = at === ACK_TRUNCATED ? "truncated_ack" : "ack_flood";
      meter.badAck(reason);
      return { close: CloseCodes.PROTOCOL_VIOLATION, reason };
    }
  }
  if (gate && !gate.take(now)) {
    meter.rateLimited();
    return { close: CloseCodes.RATE_LIMITED, reason: "too many messages" };
  }
  const code = frame[at];
  if (code === HELLO_CODE) {
    // What the client reads: a later version reads all an earlier one does.
    if (frame.byteLength - at >= 2 && frame[at + 1]! >= HELLO_VERSION) channel?.acceptBundles();
    return CONSUMED;
  }
  if (code === INPUT_FRAME_CODE) {
    // Tickwire's input frame goes straight to the room's input buffer, past Colyseus.
    const problem = channel?.inputSink?.(frame, at);
    if (problem === undefined) return CONSUMED;
    meter.malformed();
    return { close: CloseCodes.PROTOCOL_VIOLATION, reason: `malformed input frame (${problem})` };
  }
  const inner = at === 0 ? frame : frame.subarray(at);
  if (inputFrameProblem(inner)) {
    meter.malformed();
    return { close: CloseCodes.PROTOCOL_VIOLATION, reason: "malformed input frame" };
  }
  return { frame: inner };
}
