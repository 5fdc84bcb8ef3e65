import { describe, expect, it } from "vitest";
import { type BrowserProbe, chooseBrowser } from "../helpers/browser.ts";

// How the browser tests pick a browser, on machines described by a probe: the order is
// CHROMIUM_PATH, a browser already installed, an install where the machine allows one, and
// otherwise one line naming the fix.

function machine(over: Partial<BrowserProbe> & { files?: string[] } = {}): BrowserProbe {
  const files = new Set(over.files ?? []);
  return {
    env: over.env ?? { PATH: "/usr/local/bin:/usr/bin:/bin" },
    platform: over.platform ?? "linux",
    isRoot: over.isRoot ?? false,
    executable: (f) => files.has(f),
  };
}

describe("choosing a browser for the browser tests", () => {
  it("takes CHROMIUM_PATH first, even when another browser is installed", () => {
    const probe = machine({
      env: { CHROMIUM_PATH: "/opt/chrome/chrome" },
      files: ["/opt/chrome/chrome", "/usr/bin/chromium"],
    });
    expect(chooseBrowser(probe)).toEqual({ kind: "found", path: "/opt/chrome/chrome", source: "CHROMIUM_PATH" });
  });

  it("refuses a CHROMIUM_PATH that is not there, naming the variable, rather than picking another", () => {
    const choice = chooseBrowser(machine({ env: { CHROMIUM_PATH: "/nope/chrome" }, files: ["/usr/bin/chromium"] }));
    expect(choice.kind).toBe("missing");
    expect(choice.kind === "missing" && choice.message).toMatch(/^CHROMIUM_PATH=\/nope\/chrome is not an executable/);
  });

  it("finds Debian's chromium, Google Chrome, or a browser on PATH", () => {
    expect(chooseBrowser(machine({ files: ["/usr/bin/chromium"] }))).toMatchObject({ path: "/usr/bin/chromium" });
    expect(chooseBrowser(machine({ files: ["/usr/bin/google-chrome-stable"] }))).toMatchObject({ kind: "found" });
    const onPath = machine({ env: { PATH: "/home/u/bin:/usr/bin" }, files: ["/home/u/bin/chromium-browser"] });
    expect(chooseBrowser(onPath)).toMatchObject({ kind: "found", path: "/home/u/bin/chromium-browser" });
  });

  it("installs one where none is and the machine can (root with apt-get)", () => {
    expect(chooseBrowser(machine({ isRoot: true, files: ["/usr/bin/apt-get"] }))).toEqual({ kind: "install" });
  });

  it("otherwise fails with one line naming the command that fixes it", () => {
    const notRoot = chooseBrowser(machine({ files: ["/usr/bin/apt-get"] }));
    expect(notRoot.kind === "missing" && notRoot.message).toMatch(/apt-get install -y chromium.*CHROMIUM_PATH/);
    const noApt = chooseBrowser(machine({ isRoot: true }));
    expect(noApt.kind).toBe("missing");
    const mac = chooseBrowser(machine({ platform: "darwin" }));
    expect(mac.kind === "missing" && mac.message).toMatch(/brew install --cask chromium/);
    const windows = chooseBrowser(machine({ platform: "win32" }));
    expect(windows.kind === "missing" && windows.message).toMatch(/winget install Google\.Chrome/);
    for (const c of [notRoot, noApt, mac, windows]) expect(c.kind === "missing" && c.message).not.toContain("\n");
  });
});
