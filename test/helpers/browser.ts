import path from "node:path";
import { type Browser, chromium } from "playwright-core";
import { aptInstall, isExecutableFile, runLocked } from "./install.ts";

// The browser tests need a Chromium or Chrome binary. They find one by themselves, in this
// order: CHROMIUM_PATH; a Chromium or Chrome already on the machine; where none is and the
// machine can install one (root with apt-get), Debian's `chromium`, installed once. Anything
// else fails with one line that names the command that fixes it: never a silent skip.

/** Where Chromium and Chrome install themselves on Linux and macOS. */
const KNOWN_PATHS = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
  "/snap/bin/chromium",
  "/Applications/Chromium.app/Contents/MacOS/Chromium",
  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
  "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
  "C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe",
];
/** Names looked up on PATH. */
const COMMANDS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];
/** What Debian's package installs. */
const DEBIAN_CHROMIUM = "/usr/bin/chromium";
/** Serialises installs between test workers (apt holds its own lock and fails on contention). */
const INSTALL_LOCK = "/tmp/tickwire-chromium-install.lock";

/** Time a first install may take (Chromium and its libraries are a large download). */
export const BROWSER_SETUP_TIMEOUT_MS = 600_000;

/** What the machine offers; the real one is `machineProbe()`, a test passes its own. */
export interface BrowserProbe {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  isRoot: boolean;
  executable(file: string): boolean;
}

/** The decision: a binary to use, an install to run, or the line that tells the user what to do. */
export type BrowserChoice =
  | { kind: "found"; path: string; source: string }
  | { kind: "install" }
  | { kind: "missing"; message: string };

export function machineProbe(): BrowserProbe {
  return {
    env: process.env,
    platform: process.platform,
    isRoot: process.getuid?.() === 0,
    executable: isExecutableFile,
  };
}

export function chooseBrowser(probe: BrowserProbe): BrowserChoice {
  const explicit = probe.env.CHROMIUM_PATH;
  if (explicit) {
    if (probe.executable(explicit)) return { kind: "found", path: explicit, source: "CHROMIUM_PATH" };
    return {
      kind: "missing",
      message: `CHROMIUM_PATH=${explicit} is not an executable file: point it at a Chromium or Chrome binary`,
    };
  }
  const dirs = (probe.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const candidates = [...KNOWN_PATHS, ...COMMANDS.flatMap((c) => dirs.map((d) => path.join(d, c)))];
  const found = candidates.find((file) => probe.executable(file));
  if (found) return { kind: "found", path: found, source: "installed" };
  if (probe.platform === "linux" && probe.isRoot && probe.executable("/usr/bin/apt-get")) return { kind: "install" };
  const fix =
    probe.platform === "darwin"
      ? "`brew install --cask chromium`"
      : probe.platform === "linux"
        ? "`sudo apt-get install -y chromium` (Debian; `chromium-browser` on Ubuntu)"
        : probe.platform === "win32"
          ? "`winget install Google.Chrome`"
          : "your system's package for Chromium";
  return {
    kind: "missing",
    message: `no Chromium or Chrome found for the browser tests: install one with ${fix}, or set CHROMIUM_PATH to a Chromium or Chrome binary`,
  };
}

/** The path of a Chromium or Chrome binary for the browser tests, installing Debian's where that is possible. */
export async function findChromium(probe: BrowserProbe = machineProbe()): Promise<string> {
  const choice = chooseBrowser(probe);
  if (choice.kind === "found") return choice.path;
  if (choice.kind === "missing") throw new Error(choice.message);
  process.stderr.write(
    "browser tests: no Chromium or Chrome on this machine; installing Debian's chromium with apt-get (once)\n",
  );
  // Another worker may have installed it while this one waited for the lock.
  await runLocked(
    INSTALL_LOCK,
    `[ -x ${DEBIAN_CHROMIUM} ] || ${aptInstall("chromium")}`,
    BROWSER_SETUP_TIMEOUT_MS - 60_000,
    "installing Debian's chromium with apt-get (run `apt-get install -y chromium` by hand)",
  );
  if (!probe.executable(DEBIAN_CHROMIUM))
    throw new Error(`apt-get installed chromium but ${DEBIAN_CHROMIUM} is missing`);
  return DEBIAN_CHROMIUM;
}

/** Launches headless Chromium for a test, with flags for a machine without a network or a display. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: await findChromium(),
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // Every window keeps its timers and frames at full rate, as players' screens would.
      "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding",
      "--disable-backgrounding-occluded-windows",
    ],
  });
}
