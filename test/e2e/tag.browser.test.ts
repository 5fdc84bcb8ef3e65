import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { Simulation } from "@tickwire/server";
import { TAG } from "@tickwire/example-tag/shared";
import { tagGame } from "@tickwire/example-tag/server";
import { BROWSER_SETUP_TIMEOUT_MS, launchBrowser } from "../helpers/browser.ts";
import { ROOT } from "../helpers/server.ts";
import { useTagServer } from "../helpers/tag.ts";

// Tag's page in real browser windows (Chromium, see helpers/browser.ts) against the real server
// (in this process, serving the built page at /tag/): two players draw each other, one skates
// with the keyboard and the other sees it, a spectator pans its camera. Screenshots go to
// test/artifacts/e2e (git-ignored).

const exec = promisify(execFile);
const ARTIFACTS = path.join(ROOT, "test/artifacts/e2e");
const BALLS = 4;

/**
 * A seed where the first two runners spawn in each other's view, apart, and no ball comes near
 * either for 20 s while they stand still (found by running the game in the engine's Simulation).
 */
function closeSpawnSeed(): number {
  const hz = 30;
  for (let seed = 1; seed <= 2000; seed++) {
    const sim = new Simulation(tagGame({ balls: BALLS, seed }), { tickRate: hz });
    sim.join("a", { name: "alice" });
    sim.join("b", { name: "bob" });
    const [a, b] = [sim.state.runners.get("a")!, sim.state.runners.get("b")!];
    const apart = Math.hypot(a.x - b.x, a.y - b.y);
    if (apart < 120 || apart > TAG.RUNNER_VIEW / 2) continue;
    let clear = true;
    for (let t = 0; t < 20 * hz && clear; t++) {
      sim.step();
      sim.state.balls.forEach((ball) => {
        if (Math.hypot(ball.x - a.x, ball.y - a.y) < 200 || Math.hypot(ball.x - b.x, ball.y - b.y) < 200) clear = false;
      });
    }
    if (clear) return seed;
  }
  throw new Error("no seed spawns two runners close together, clear of the balls");
}

const PAGE_DIR = path.join(ROOT, "examples/tag/page/build");
const fx = useTagServer({ tag: tagGame({ balls: BALLS, seed: closeSpawnSeed() }) }, {}, { "/tag/": PAGE_DIR });
let browser: Browser;

beforeAll(async () => {
  // The same build `npm start` runs.
  await exec(process.execPath, ["examples/build-pages.mjs"], { cwd: ROOT });
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
}, BROWSER_SETUP_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
});

/** Opens tag in its own window and waits until it has joined (and, as a player, has its runner). */
async function open(query: string, spectating = false): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${fx.server.httpUrl}/tag/?${query}`);
  await page
    .waitForFunction(
      (spec) => {
        const tag = (window as any).tickwire?.tag;
        return tag?.state?.tick > 0 && (spec || tag.self !== undefined);
      },
      spectating,
      { timeout: 15_000 },
    )
    .catch((e) => {
      throw new Error(`tag did not join (${errors.join("; ") || e.message})`);
    });
  return page;
}

/**
 * True when page `viewer` holds runner `id` and its canvas shows a bright runner where it
 * draws it (the ice and the margins are dark).
 */
const draws = (viewer: Page, id: string) =>
  viewer.waitForFunction(
    (pid) => {
      const { tag, renderer } = (window as any).tickwire;
      const e = (tag.entities("runners") as Array<{ id: string; x: number; y: number }>).find((r) => r.id === pid);
      if (!e) return false;
      const at = renderer.screenOf(e.x, e.y);
      const canvas = document.getElementById("field") as HTMLCanvasElement;
      const [r, g, b] = canvas.getContext("2d")!.getImageData(Math.round(at.x), Math.round(at.y), 1, 1).data;
      return r! + g! + b! > 350;
    },
    id,
    { timeout: 5_000 },
  );

describe("tag's page in a real browser", () => {
  it("two players draw each other; one skates with the keyboard and the other sees it; a spectator pans", {
    timeout: 60_000,
  }, async () => {
    const alice = await open("name=alice");
    const bob = await open("name=bob");
    const id = (page: Page) => page.evaluate(() => (window as any).tickwire.tag.sessionId as string);
    const [aliceId, bobId] = [await id(alice), await id(bob)];
    await Promise.all([draws(bob, aliceId), draws(alice, bobId)]);
    // Alice joined first: she is "it", and each banner says so its own way.
    await alice.waitForFunction(() => document.getElementById("banner")!.textContent === "you are IT!");
    await bob.waitForFunction(() => document.getElementById("banner")!.textContent === "run from alice");

    // Alice skates towards the middle of the field; Bob's page draws her moving.
    const from = await alice.evaluate(() => (window as any).tickwire.tag.self.x as number);
    const key = from < TAG.WORLD_SIZE / 2 ? "d" : "a";
    const dir = key === "d" ? 1 : -1;
    await alice.keyboard.down(key);
    await bob.waitForFunction(
      ([pid, x0, d]) => {
        const e = ((window as any).tickwire.tag.entities("runners") as Array<{ id: string; x: number }>).find(
          (r) => r.id === pid,
        );
        return e !== undefined && (e.x - (x0 as number)) * (d as number) > 100;
      },
      [aliceId, from, dir] as const,
      { timeout: 10_000 },
    );
    await alice.keyboard.up(key);
    const predicted = await alice.evaluate(() => (window as any).tickwire.tag.predicted().x as number);
    expect((predicted - from) * dir).toBeGreaterThan(100);
    expect(await bob.textContent("#stats")).toMatch(/rtt \d+ ms · corrections [\d.]+\/min/);
    await alice.screenshot({ path: path.join(ARTIFACTS, "tag-alice.png") });
    await bob.screenshot({ path: path.join(ARTIFACTS, "tag-bob.png") });

    // A spectator: no runner of its own, the banner says who is it, the keys pan the camera.
    const eve = await open("name=eve&spectate=1", true);
    expect(await eve.evaluate(() => (window as any).tickwire.tag.self)).toBeUndefined();
    await eve.waitForFunction(() => document.getElementById("banner")!.textContent === "watching · alice is it");
    expect(await eve.getAttribute("#mode", "href")).toBe("?name=eve");
    const camX = await eve.evaluate(() => (window as any).tickwire.camera.x as number);
    await eve.keyboard.down("d");
    await eve.waitForFunction((x0) => (window as any).tickwire.camera.x > x0 + 200, camX);
    await eve.keyboard.up("d");
    await eve.screenshot({ path: path.join(ARTIFACTS, "tag-eve.png") });
  });
});
