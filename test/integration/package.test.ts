import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

// The packages as a game developer gets them: built (`npm run build`), packed (`npm pack`),
// installed into a project outside this repository exactly as the README's "Use the packages
// outside this repository" says, and a whole game (test/fixtures/consumer/game.mjs) run there
// with plain `node`: the server starts, two clients join, one sees the other move.

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const GAME = path.join(ROOT, "test/fixtures/consumer/game.mjs");
let work: string | undefined;

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the packages outside this repository", () => {
  it("build, pack, install from the registry plus the packed files, and run a game with plain node", async () => {
    work = await mkdtemp(path.join(tmpdir(), "tickwire-consumer-"));
    const tgz = path.join(work, "packages");
    const app = path.join(work, "app");
    await mkdir(tgz);
    await mkdir(app);
    await run("npm", ["run", "build", "--silent"], { cwd: ROOT });
    await run(
      "npm",
      ["pack", "--silent", "--pack-destination", tgz, "-w", "shared", "-w", "server", "-w", "client-sdk"],
      {
        cwd: ROOT,
      },
    );
    await run("npm", ["pack", "--silent", "--pack-destination", tgz], { cwd: path.join(ROOT, "server/uws-binding") });
    const files = await readdir(tgz);
    const file = (prefix: string) => {
      const name = files.find((f) => f.startsWith(prefix));
      if (!name) throw new Error(`npm pack made no ${prefix}*.tgz (made: ${files.join(", ")})`);
      return `file:../packages/${name}`;
    };
    // The README's package.json: the three packages, the uWebSockets.js binding, and the one
    // override that points Colyseus' transport at that binding instead of a GitHub URL.
    const manifest = {
      name: "tickwire-consumer",
      private: true,
      type: "module",
      dependencies: {
        "@tickwire/client-sdk": file("tickwire-client-sdk-"),
        "@tickwire/server": file("tickwire-server-"),
        "@tickwire/shared": file("tickwire-shared-"),
        "uWebSockets.js": file("uWebSockets.js-"),
      },
      overrides: { "@colyseus/uwebsockets-transport": { "uWebSockets.js": "$uWebSockets.js" } },
    };
    await writeFile(path.join(app, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    await copyFile(GAME, path.join(app, "game.mjs"));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, timeout: 240_000 });
    // Nothing from the repository is reachable from there: no workspace links, no tsx.
    const installed = await readdir(path.join(app, "node_modules"));
    expect(installed).not.toContain("tsx");
    const game = await run(process.execPath, ["game.mjs"], { cwd: app, timeout: 60_000 }).catch((err) => {
      throw new Error(`the game failed (exit ${err.code}):\n${err.stdout}\n${err.stderr}`);
    });
    expect(game.stdout).toMatch(/bob saw ada at x=\d+/);
  }, 420_000);
});
