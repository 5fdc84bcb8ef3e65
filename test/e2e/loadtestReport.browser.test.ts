import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, Page } from "playwright-core";
import { renderReport } from "../../loadtest/src/reportHtml.ts";
import { BROWSER_SETUP_TIMEOUT_MS, launchBrowser } from "../helpers/browser.ts";
import { runLoadtest } from "../helpers/loadtestCli.ts";
import { ROOT } from "../helpers/server.ts";

// The load tester's HTML report in real headless Chromium: a short real run writes it next to
// its JSON, and the page, opened from disk with every network request refused, draws each chart
// from the run's series and shows the run's figures. Screenshot: test/artifacts/e2e (git-ignored).

const ARTIFACTS = path.join(ROOT, "test/artifacts/e2e");
let browser: Browser;
let dir: string;

beforeAll(async () => {
  browser = await launchBrowser();
  dir = await mkdtemp(path.join(tmpdir(), "tickwire-report-"));
  await mkdir(ARTIFACTS, { recursive: true });
}, BROWSER_SETUP_TIMEOUT_MS);
afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Opens a report file; collects console errors, page errors and any request off the disk. */
async function open(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  // The report must work offline: a CDN or any other fetch is refused and noted.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(() => (window as any).tickwireReport !== undefined, undefined, { timeout: 10_000 });
  return { page, errors, requests };
}

/** Per chart: how many opaque canvas pixels have its first series' colour (its line and points). */
function seriesPixels(page: Page): Promise<Array<{ id: string; pixels: number }>> {
  return page.evaluate(() =>
    (window as any).tickwireReport.charts.map((c: { id: string; el: HTMLElement; colors: string[] }) => {
      const canvas = c.el.querySelector("canvas")!;
      const hex = c.colors[0]!;
      const want = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
      const px = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
      let pixels = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3]! > 200 && want.every((v, k) => Math.abs(px[i + k]! - v) < 24)) pixels++;
      }
      return { id: c.id, pixels };
    }),
  );
}

const CLIENTS = 8;
const CHARTS = ["clients", "rtt", "patches", "bandwidth", "server-time", "server-cpu"];

describe("the load tester's HTML report in a real browser", () => {
  it("a short run writes it next to its JSON; offline it draws every chart and shows the run's figures", {
    timeout: 120_000,
  }, async () => {
    const json = path.join(dir, "run.json");
    const res = await runLoadtest([
      "--clients",
      String(CLIENTS),
      "--rooms",
      "2",
      "--duration",
      "5",
      "--ramp",
      "2",
      "--out",
      json,
    ]);
    expect(res.code, res.out).toBe(0);
    const html = path.join(dir, "run.html");
    const printed = /^\s*HTML: (.+)$/m.exec(res.out);
    expect(printed, res.out).not.toBeNull();
    expect(path.resolve(ROOT, printed![1]!)).toBe(html);
    const report = JSON.parse(await readFile(json, "utf8"));

    // The series behind the charts: a point about every second, joins and bandwidth measured.
    const bots = report.timeline.bots;
    expect(bots.joined.filter((v: number) => v > 0).length).toBeGreaterThanOrEqual(4);
    expect(
      bots.bytesPerClientPerSecond.filter((v: number | null) => v !== null && v > 0).length,
    ).toBeGreaterThanOrEqual(3);
    expect(
      report.timeline.server.cpuCores.filter((v: number | null) => v !== null && v > 0).length,
    ).toBeGreaterThanOrEqual(3);

    const { page, errors, requests } = await open(html);
    // The page carries the run's series as they are in the JSON.
    const inPage = await page.evaluate(() => (window as any).tickwireReport.data);
    expect(inPage.bots).toEqual(bots);
    expect(inPage.server).toEqual(report.timeline.server);

    // uPlot draws each chart on one canvas, and each shows its first series.
    expect(await page.locator(".uplot canvas").count()).toBe(CHARTS.length);
    const drawn = await seriesPixels(page);
    expect(drawn.map((d) => d.id)).toEqual(CHARTS);
    for (const d of drawn) expect(d.pixels, d.id).toBeGreaterThan(20);
    expect(await page.locator(".missing").count()).toBe(0);

    // The summary: the run's client count, as the text report prints it.
    const joinedRow = page.locator("#summary tr", { hasText: "Clients joined" });
    expect(await joinedRow.locator("td").first().textContent()).toBe(`${CLIENTS} / ${CLIENTS}`);
    expect(await page.locator(".status").textContent()).toBe("passed");
    for (const w of report.warnings as string[])
      expect(await page.locator(".alert.warn").getByText(w).isVisible()).toBe(true);

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, "loadtest-report.png"), fullPage: true });

    // The same result without server metrics (an --endpoint whose /metrics is out of reach) and
    // with a warning: the server panels say so, the rest still draws, the warning shows.
    const variant = path.join(dir, "no-metrics.html");
    const warning = "the bot process used 0.95 cores for 1 worker thread(s): the bots may be the bottleneck";
    await writeFile(
      variant,
      renderReport({
        ...report,
        warnings: [warning],
        timeline: { ...report.timeline, server: null, serverUnavailable: "/metrics not reachable (fetch failed)" },
      }),
    );
    const other = await open(variant);
    expect(await other.page.locator(".uplot canvas").count()).toBe(CHARTS.length - 2);
    const missing = await other.page.locator(".missing").allTextContents();
    expect(missing).toEqual([
      "no server metrics: /metrics not reachable (fetch failed)",
      "no server metrics: /metrics not reachable (fetch failed)",
    ]);
    expect(await other.page.locator(".alert.warn").getByText(warning).isVisible()).toBe(true);
    expect(other.errors).toEqual([]);
    await other.page.screenshot({ path: path.join(ARTIFACTS, "loadtest-report-no-metrics.png"), fullPage: true });
  });
});
