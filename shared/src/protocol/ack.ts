// Tickwire's one addition to the Colyseus wire protocol: the client acknowledges the newest
// unreliable frame it applied, so the server can keep a bounded window of frames in flight.
//
//   [ACK][uint16 LE seq][uint16 LE heldMs][...an ordinary Colyseus frame, or nothing]
//
// `heldMs` is how long the client held the ack before sending it (it waits briefly for an
// input frame to ride on); the server subtracts it from its round-trip sample. The server's
// transport strips the header and hands any inner frame to Colyseus unchanged.

/** Protocol codes Tickwire adds (outside Colyseus' 10-22 range, no modifier bits set). */
export const TickwireProtocol = {
  ACK: 0x3e,
} as const;
export type TickwireProtocol = (typeof TickwireProtocol)[keyof typeof TickwireProtocol];

export const ACK_HEADER_BYTES = 5;

/** First byte of an unreliable state frame: ROOM_STATE_PATCH (15) with the UNRELIABLE bit (0x40). */
export const UNRELIABLE_PATCH_BYTE = 15 | 0x40;

export interface Ack {
  seq: number;
  heldMs: number;
}

/** Writes an ack header at the start of `target` (at least ACK_HEADER_BYTES long). */
export function writeAckHeader(target: Uint8Array, ack: Ack): void {
  const held = Math.min(0xffff, Math.max(0, Math.round(ack.heldMs)));
  target[0] = TickwireProtocol.ACK;
  target[1] = ack.seq & 0xff;
  target[2] = (ack.seq >>> 8) & 0xff;
  target[3] = held & 0xff;
  target[4] = held >>> 8;
}

/** A frame prefixed with an ack header. */
export function prependAck(ack: Ack, inner?: Uint8Array): Uint8Array {
  const out = new Uint8Array(ACK_HEADER_BYTES + (inner?.byteLength ?? 0));
  writeAckHeader(out, ack);
  if (inner) out.set(inner, ACK_HEADER_BYTES);
  return out;
}

/** Reads the ack header of a frame that starts with `TickwireProtocol.ACK`; undefined if truncated. */
export function readAckHeader(frame: Uint8Array): Ack | undefined {
  if (frame.byteLength < ACK_HEADER_BYTES || frame[0] !== TickwireProtocol.ACK) return undefined;
  return { seq: frame[1]! | (frame[2]! << 8), heldMs: frame[3]! | (frame[4]! << 8) };
}

/** Sequence number of an unreliable state frame, or undefined for any other frame. */
export function unreliableSeqOf(frame: Uint8Array): number | undefined {
  if (frame.byteLength < 3 || frame[0] !== UNRELIABLE_PATCH_BYTE) return undefined;
  return frame[1]! | (frame[2]! << 8);
}

/** Wrap-safe comparison of 16-bit sequence numbers: true when `a` is newer than `b`. */
export function seqNewer(a: number, b: number): boolean {
  return ((a - b) << 16) >> 16 > 0;
}
