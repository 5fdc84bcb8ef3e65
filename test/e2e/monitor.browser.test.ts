import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { ThinFleet } from "../../loadtest/src/thinBot.ts";
import { BROWSER_SETUP_TIMEOUT_MS, launchBrowser } from "../helpers/browser.ts";
import { MONITOR_PASSWORD, MONITOR_USER, ROOT, startServer, type RunningServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

// The monitor's Tickwire view in a real browser, during a load of thin bots in two rooms: it
// logs in, draws every chart from live data that moves, lists the rooms and the busiest room's
// clients. Its screenshot goes to test/artifacts/e2e (git-ignored).

const ARTIFACTS = path.join(ROOT, "test/artifacts/e2e");
const BOTS = 16;
const CHARTS = ["load", "timing", "bandwidth", "unreliable", "closes", "cpu", "room", "rtt"];

describe("the monitor's Tickwire view", () => {
  let server: RunningServer;
  let fleet: ThinFleet;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer();
    fleet = new ThinFleet({ endpoint: server.wsUrl });
    fleet.start();
    // Two rooms: 10 bots in one, 6 in the other.
    const first = await fleet.join({ index: 0 });
    const second = await fleet.join({ index: 1 });
    for (let i = 2; i < BOTS; i++) await fleet.join({ index: i, roomId: i < 11 ? first.roomId : second.roomId });
    browser = await launchBrowser();
  }, BROWSER_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await fleet?.leaveAll();
    await server?.stop();
  });

  const polls = (page: Page) => page.evaluate(() => Number(document.body.dataset.polls ?? 0));
  /** A column of a chart's data, newest last (the page keeps it in `state.charts`). */
  const column = (page: Page, chart: string, series: number) =>
    page.evaluate(`state.charts["chart-${chart}"].data[${series}].slice()`) as Promise<Array<number | null>>;

  it("is behind the monitor's login, page and data alike", async () => {
    for (const url of ["/monitor/tickwire/", "/monitor/tickwire/view.js", "/monitor/api/tickwire"]) {
      const res = await fetch(`${server.httpUrl}${url}`);
      expect(res.status, url).toBe(401);
    }
  });

  it("charts live data that changes, lists the rooms and the busiest room's clients", async () => {
    const context = await browser.newContext({
      httpCredentials: { username: MONITOR_USER, password: MONITOR_PASSWORD },
      viewport: { width: 1440, height: 1000 },
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    await page.goto(`${server.httpUrl}/monitor/tickwire/`);
    await waitFor(async () => (await polls(page)) >= 4, "four polls of the view", 20_000);

    // Every chart has a canvas and points.
    for (const name of CHARTS) {
      const points = await page.evaluate(
        (id) => Number(document.querySelector<HTMLElement>(`#chart-${id}`)?.dataset.points ?? 0),
        name,
      );
      expect(points, name).toBeGreaterThanOrEqual(3);
      expect(await page.locator(`#chart-${name} canvas`).count(), name).toBe(1);
    }
    // Players and bandwidth are real figures from the load.
    expect((await column(page, "load", 1)).at(-1)).toBe(BOTS);
    expect((await column(page, "load", 2)).at(-1)).toBe(2);
    const out = (await column(page, "bandwidth", 1)).filter((v): v is number => v !== null);
    expect(Math.min(...out.slice(-2))).toBeGreaterThan(0);
    const tick = (await column(page, "timing", 2)).filter((v): v is number => v !== null);
    expect(tick.at(-1)).toBeGreaterThan(0);

    // The chart is redrawn with new data: its pixels change between polls.
    const pixels = () => page.locator("#chart-cpu canvas").evaluate((c: HTMLCanvasElement) => c.toDataURL());
    const before = await pixels();
    const at = await polls(page);
    await waitFor(async () => (await polls(page)) >= at + 2, "two more polls", 10_000);
    expect(await pixels()).not.toBe(before);

    // Rooms table: both rooms, busiest first; the clients of the busiest, with their round trips.
    const rooms = await page
      .locator("#rooms tbody tr")
      .evaluateAll((rows) => rows.map((r) => Array.from(r.querySelectorAll("td"), (td) => td.textContent)));
    expect(rooms.map((r) => Number(r[2]))).toEqual([10, 6]);
    await waitFor(
      async () => (await page.locator("#clients tbody tr").count()) === 10,
      "the busiest room's 10 clients listed",
    );
    const rtts = await page.locator("#clients tbody tr td:nth-child(2)").allTextContents();
    expect(rtts.filter((t) => Number(t) >= 0 && t !== "–").length).toBeGreaterThan(0);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "monitor.png"), fullPage: true });

    // Choosing the other room shows its 6 clients (from the next poll on).
    await page.locator("#rooms tbody tr").nth(1).click();
    await waitFor(async () => (await page.locator("#clients tbody tr").count()) === 6, "the other room's 6 clients");
    expect(errors).toEqual([]);
    await context.close();
  });
});
