// The support matrix the README promises, stated on its own so that a test can hold the
// transport to it: a native uWebSockets.js binary is published for Node 20 (any glibc from
// 2.27 on Linux, 32-bit ARM included) and for Node 22, 24 and 25 (glibc 2.38 or later on
// Linux); anywhere else the server runs the ws fallback.

const NATIVE_PLATFORMS = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64"];
/** Only the Node 20 republish ships 32-bit ARM builds. */
const NODE20_ONLY_PLATFORMS = ["linux-arm"];

function glibcAtLeast(major: number, minor: number): boolean {
  if (process.platform !== "linux") return true;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const version = report?.header?.glibcVersionRuntime;
  if (!version) return false; // musl and other C libraries: no published binary
  const [a = 0, b = 0] = version.split(".").map(Number);
  return a > major || (a === major && b >= minor);
}

/** True where a published native binary fits this Node, platform and C library. */
export function nativeUwsExpected(): boolean {
  const platform = `${process.platform}-${process.arch}`;
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  if (NODE20_ONLY_PLATFORMS.includes(platform)) return nodeMajor === 20 && glibcAtLeast(2, 27);
  if (!NATIVE_PLATFORMS.includes(platform)) return false;
  if (nodeMajor === 20) return glibcAtLeast(2, 27);
  if ([22, 24, 25].includes(nodeMajor)) return glibcAtLeast(2, 38);
  return false;
}
