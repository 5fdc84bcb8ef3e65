import { decode, type Iterator } from "@colyseus/schema";
import { Protocol, ProtocolModifier } from "@colyseus/core";

// The low 5 bits of a frame's first byte are its code; the high 3 bits its modifiers.
const PROTOCOL_CODE_MASK = 0x1f;

/** Most inputs a stamp block may announce (the SDK's redundancy ring is far smaller). */
const MAX_STAMPED_INPUTS = 64;

/**
 * Checks the framing of a ROOM_INPUT_UNRELIABLE frame before Colyseus walks it. Its decoder
 * trusts each input's length prefix: a negative length moves its read offset backwards and the
 * loop never ends (one 3-byte frame, `14 80 ff`, would hang the process), and a stamp block
 * announcing billions of inputs loops as long. Returns why the frame is malformed, or
 * undefined when every length lands inside the frame. Other frame codes pass unchecked.
 *
 * Layout: [code][stamps if TIMED: k, uint32 newest, (k-1) deltas][baseSeq]([len][body])*
 * (the engine's rooms define their inputs without a rewind timeline, so no render-delta series
 * follows the stamps).
 */
export function inputFrameProblem(frame: Uint8Array): string | undefined {
  if (frame.byteLength === 0 || (frame[0]! & PROTOCOL_CODE_MASK) !== Protocol.ROOM_INPUT_UNRELIABLE) return undefined;
  const it: Iterator = { offset: 1 };
  const end = frame.byteLength;
  const readCount = (what: string, max: number): number | string => {
    if (it.offset >= end) return `${what} missing`;
    const n = decode.number(frame as Buffer, it);
    if (!Number.isInteger(n) || n < 0 || n > max || it.offset > end) return `${what} out of range`;
    return n;
  };
  if (frame[0]! & ProtocolModifier.TIMED) {
    const k = readCount("stamp count", MAX_STAMPED_INPUTS);
    if (typeof k === "string") return k;
    it.offset += 4; // uint32 newest stamp
    for (let i = 0; i < k - 1; i++) {
      if (it.offset >= end) return "stamp block truncated";
      decode.number(frame as Buffer, it);
    }
    if (it.offset > end) return "stamp block truncated";
  }
  const base = readCount("base sequence", Number.MAX_SAFE_INTEGER);
  if (typeof base === "string") return base;
  while (it.offset < end) {
    const len = readCount("input length", end - it.offset);
    if (typeof len === "string") return len;
    it.offset += len;
  }
  return undefined;
}
