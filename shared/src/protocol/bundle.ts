// A bundle: several server frames of one tick in one WebSocket frame. Only a client that said it
// reads bundles gets them (stock clients, and Tickwire clients from before bundles, get plain
// frames):
//
//   client, once per connection:  [HELLO][version]   (version 1: reads bundles)
//   server, per flush:            [BUNDLE]([uint32 LE length][frame])*
//
// Each inner frame is an ordinary frame (a Colyseus frame or an unreliable state frame), in the
// order they were sent.

export const BUNDLE_CODE = 0x3d;
export const HELLO_CODE = 0x3c;
/** What this version of the protocol can read: 1 = bundles. */
export const HELLO_VERSION = 1;

/** The frame a client sends once per connection to say what it reads. */
export function helloFrame(): Uint8Array {
  return Uint8Array.of(HELLO_CODE, HELLO_VERSION);
}
/** Bytes before each inner frame. */
export const BUNDLE_PART_HEADER_BYTES = 4;

/**
 * Calls `part(offset, length)` for each frame inside a bundle. Returns false (having called
 * `part` for the whole parts before it) when the bundle is malformed.
 */
export function forEachBundled(bundle: Uint8Array, part: (offset: number, length: number) => void): boolean {
  if (bundle[0] !== BUNDLE_CODE) return false;
  let at = 1;
  while (at < bundle.byteLength) {
    if (at + BUNDLE_PART_HEADER_BYTES > bundle.byteLength) return false;
    const length = (bundle[at]! | (bundle[at + 1]! << 8) | (bundle[at + 2]! << 16) | (bundle[at + 3]! << 24)) >>> 0;
    at += BUNDLE_PART_HEADER_BYTES;
    if (length === 0 || at + length > bundle.byteLength) return false;
    part(at, length);
    at += length;
  }
  return true;
}
