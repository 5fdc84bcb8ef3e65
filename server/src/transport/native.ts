import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

export interface UwsProbe {
  /** True when the native uWebSockets.js binding for this Node ABI is what loaded. */
  native: boolean;
  /** Why native is not available, when it is not. */
  reason?: string;
}

/**
 * Finds out whether `uWebSockets.js` really loaded its native binding. The npm build we use
 * silently falls back to a slow pure-JS imitation when no binary matches the running Node;
 * the only trustworthy sign is that the exported object is the one the `.node` file produced.
 */
export function probeUws(): UwsProbe {
  let uws: unknown;
  try {
    uws = require("uWebSockets.js");
  } catch (err) {
    return { native: false, reason: `uWebSockets.js failed to load: ${(err as Error).message}` };
  }
  const pkgDir = path.dirname(require.resolve("uWebSockets.js/package.json"));
  const binary = path.join(
    pkgDir,
    "binaries",
    `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`,
  );
  if (require.cache[binary]?.exports === uws) return { native: true };
  return {
    native: false,
    reason: `no native uWebSockets.js binary for ${process.platform}-${process.arch} Node ABI ${process.versions.modules} (Node ${process.versions.node})`,
  };
}
