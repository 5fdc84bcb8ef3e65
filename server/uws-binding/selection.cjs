"use strict";
// Picks the native uWebSockets.js binding for this process. uWebSockets.js is not published on
// the npm registry by its author; two republishes ship prebuilt binaries, and each fits a
// different set of machines:
//   @btc-vision/uwebsockets.js 20.57.0: Node 20, 22, 24, 25 (ABI 115, 127, 137, 141), glibc >= 2.38
//     on Linux; the release @colyseus/uwebsockets-transport 0.18 is written against.
//   @trufflesuite/uws-js-unofficial 20.30.0: Node 16, 18, 20 (ABI 93, 108, 115), glibc >= 2.27.
// Each binary is loaded directly (never through its package's entry point: the trufflesuite
// one silently swaps in a slow pure-JS imitation when its binary does not fit).
const path = require("node:path");
const fs = require("node:fs");

const CANDIDATES = [
  { pkg: "@btc-vision/uwebsockets.js", dir: "." },
  { pkg: "@trufflesuite/uws-js-unofficial", dir: "binaries" },
];

function glibcVersion() {
  if (process.platform !== "linux") return undefined;
  const header = process.report?.getReport?.().header;
  return header?.glibcVersionRuntime;
}

/** Shortens a loader error to its cause, e.g. "needs GLIBC_2.38" instead of the whole dlopen text. */
function cause(err) {
  const message = String(err?.message ?? err);
  const glibc = /version `(GLIBC_[0-9.]+)' not found/.exec(message);
  if (glibc) return `needs ${glibc[1]}`;
  return message.split("\n")[0];
}

function select() {
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const tried = [];
  for (const { pkg, dir } of CANDIDATES) {
    // Found by its folder: a package's `exports` may hide its package.json from require.resolve.
    const pkgDir = (require.resolve.paths(pkg) ?? [])
      .map((dir) => path.join(dir, pkg))
      .find((dir) => fs.existsSync(path.join(dir, "package.json")));
    if (!pkgDir) {
      tried.push(`${pkg} is not installed`);
      continue;
    }
    const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
    const binary = path.join(pkgDir, dir, file);
    if (!fs.existsSync(binary)) {
      tried.push(`${pkg}@${version} ships no binary for this Node`);
      continue;
    }
    try {
      const binding = require(binary);
      return { native: true, binding, package: pkg, version, binary };
    } catch (err) {
      tried.push(`${pkg}@${version}'s binary ${cause(err)}`);
    }
  }
  const libc = glibcVersion();
  const where = `Node ${process.versions.node} (ABI ${process.versions.modules}) on ${process.platform}-${process.arch}${libc ? ` glibc ${libc}` : ""}`;
  return { native: false, reason: `no native uWebSockets.js binary fits ${where}: ${tried.join("; ")}` };
}

let selection;
/** The binding chosen for this process (computed once). */
module.exports = function selectBinding() {
  selection ??= select();
  return selection;
};
