import selectBinding from "uWebSockets.js/selection";

export interface UwsProbe {
  /** True when a native uWebSockets.js binding for this Node and C library loaded. */
  native: boolean;
  /** Which binding loaded (package and version), when one did. */
  binding?: string;
  /** Why none fits, when none does. */
  reason?: string;
}

/**
 * Finds out whether a native uWebSockets.js binding fits this process. `uWebSockets.js` is our
 * selector package (server/uws-binding): it loads a binary from whichever npm republish ships
 * one for the running Node and C library, and never a pure-JS imitation.
 */
export function probeUws(disabled = false): UwsProbe {
  if (disabled) return { native: false, reason: "UWS_USE_FALLBACK=1 turns the native binding off" };
  const selection = selectBinding();
  if (selection.native) return { native: true, binding: `${selection.package}@${selection.version}` };
  return { native: false, reason: selection.reason };
}
