import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import type { Browser, Page } from "playwright-core";
import { BROWSER_SETUP_TIMEOUT_MS, launchBrowser } from "../helpers/browser.ts";
import { ROOT, startServer, type RunningServer } from "../helpers/server.ts";

// Two real browser windows (Chromium, found or installed by helpers/browser.ts, driven by playwright-core) play the demo page
// against the real server: one moves with the keyboard and the other sees it move; a chat line
// typed in one shows in the other. Screenshots go to test/artifacts/e2e (git-ignored).

const exec = promisify(execFile);
const ARTIFACTS = path.join(ROOT, "test/artifacts/e2e");
let server: RunningServer;
let browser: Browser;

beforeAll(async () => {
  // The same build `npm start` runs.
  await exec(process.execPath, ["examples/build-pages.mjs"], { cwd: ROOT });
  // Default settings, as `npm start` runs: the two players must find each other in view.
  server = await startServer();
  browser = await launchBrowser();
  await mkdir(ARTIFACTS, { recursive: true });
}, BROWSER_SETUP_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens the demo in its own window and waits until it has joined and drawn its own player. */
async function open(query: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.httpUrl}/?${query}`);
  await page
    .waitForFunction(() => (window as any).tickwire?.arena?.self !== undefined, undefined, { timeout: 15_000 })
    .catch((e) => {
      throw new Error(`the demo did not join (${errors.join("; ") || e.message})`);
    });
  return page;
}

const sessionOf = (page: Page) => page.evaluate(() => (window as any).tickwire.arena.sessionId as string);
/** Where page `viewer` draws player `id` (its interpolated position), or null if not drawn. */
const drawnX = (viewer: Page, id: string) =>
  viewer.evaluate(
    (pid) =>
      ((window as any).tickwire.arena.entities() as Array<{ id: string; x: number }>).find((e) => e.id === pid)?.x ??
      null,
    id,
  );

describe("the demo page in a real browser", () => {
  it("two players see each other at once; one moves with the keyboard and the other sees it; chat goes across", {
    timeout: 60_000,
  }, async () => {
    const alice = await open("name=alice");
    const roomId = await alice.evaluate(() => (window as any).tickwire.arena.roomId as string);
    const bob = await open(`name=bob&room=${roomId}`);
    const aliceId = await sessionOf(alice);
    const bobId = await sessionOf(bob);
    // First sight: with default settings each window draws the other player within seconds.
    const draws = (viewer: Page, id: string) =>
      viewer.waitForFunction(
        (pid) => ((window as any).tickwire.arena.entities() as Array<{ id: string }>).some((e) => e.id === pid),
        id,
        { timeout: 5_000 },
      );
    await Promise.all([draws(bob, aliceId), draws(alice, bobId)]);

    const x0 = (await drawnX(bob, aliceId))!;
    expect(x0).not.toBeNull();
    // Walk towards the far side, so the walls do not stop her.
    const key = x0 < 2000 ? "d" : "a";
    const dir = key === "d" ? 1 : -1;
    await alice.keyboard.down(key);
    await bob.waitForFunction(
      ([id, from, d]) => {
        const e = ((window as any).tickwire.arena.entities() as Array<{ id: string; x: number }>).find(
          (p) => p.id === id,
        );
        return e !== undefined && (e.x - (from as number)) * (d as number) > 150;
      },
      [aliceId, x0, dir] as const,
      { timeout: 10_000 },
    );
    await alice.keyboard.up(key);
    // Alice's own page drew her moving too (predicted), the same way.
    const aliceSelf = await alice.evaluate(() => (window as any).tickwire.arena.predicted().x as number);
    expect((aliceSelf - x0) * dir).toBeGreaterThan(150);

    // Chat: Enter opens the box on Bob's page, Enter sends; Alice's log shows it.
    await bob.keyboard.press("Enter");
    await bob.keyboard.type("hello from bob");
    await bob.keyboard.press("Enter");
    await alice.waitForFunction(() =>
      document.getElementById("chat-log")!.textContent!.includes("bob: hello from bob"),
    );

    // The overlay and scoreboard are up.
    expect(await bob.textContent("#stats")).toMatch(/rtt\s+\d+ ms/);
    await alice.waitForFunction(
      () =>
        /alice/.test(document.getElementById("board-list")!.textContent!) &&
        /bob/.test(document.getElementById("board-list")!.textContent!),
    );

    await alice.screenshot({ path: path.join(ARTIFACTS, "alice.png") });
    await bob.screenshot({ path: path.join(ARTIFACTS, "bob.png") });
  });
});
