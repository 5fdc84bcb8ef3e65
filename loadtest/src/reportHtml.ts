import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Cost } from "./cost.ts";
import { type ChartSpec, chartSpecs } from "./reportCharts.ts";
import { cards, esc, num, summaryRows } from "./reportSummary.ts";
import type { Timeline } from "./timeline.ts";

// The load test's HTML report: one self-contained page (uPlot, styles, script and data
// inlined, nothing fetched) made from the JSON result alone, so an old JSON renders again.

/** A value after a JSON round trip: NaN and Infinity come back as null. */
type Json<T> = T extends number
  ? number | null
  : T extends ReadonlyArray<infer U>
    ? Json<U>[]
    : T extends object
      ? { [K in keyof T]: Json<T[K]> }
      : T;

/** The load tester's JSON result, as far as the report reads it. */
export type ReportInput = Json<{
  command: string;
  endpoint: string;
  startedAt: string;
  config: {
    bot: string;
    clients: number;
    rooms: number;
    /** Rooms the creator bots could create (absent from older results). */
    roomsCreated?: number;
    durationSeconds: number;
    rampSeconds: number;
    workers: number;
    inputHz: number;
    serverEnv?: Record<string, string>;
  };
  /**
   * `unseated`: bots still joining when the run ended; `rateLimited`: seat requests answered 429
   * and retried (both absent from older results).
   */
  clients: { joined: number; failed: number; unseated?: number; disconnects: number; rateLimited?: number };
  perClient: { patchesPerSecond: number; downstreamBytesPerSecond: number };
  playersHeld: number;
  combat: { shots: number; hits: number };
  rttMs: { samples: number; p50: number; p99: number };
  joinMs: { samples: number; p50: number; p99: number; max: number };
  /** Per bot that waited out 429s, its waits in all (absent from older results). */
  rateLimitWaitMs?: { bots: number; p50: number; max: number };
  serverTickMs: { samples: number; p50: number; p99: number };
  serverFlushMs: { samples: number; p50: number; p99: number };
  serverCpu?: Cost["server"];
  botCpu?: Cost["bots"];
  warnings: string[];
  errors: string[];
  timeline?: Timeline;
}>;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let assets: { uplotJs: string; uplotCss: string; pageJs: string; pageCss: string } | undefined;
function loadAssets(): NonNullable<typeof assets> {
  assets ??= {
    uplotJs: readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8"),
    uplotCss: readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8"),
    pageJs: readFileSync(path.join(HERE, "reportPage.js"), "utf8"),
    pageCss: readFileSync(path.join(HERE, "reportPage.css"), "utf8"),
  };
  return assets;
}

/** The HTML report next to a JSON result: the same path ending in `.html`. */
export function htmlPathFor(jsonPath: string): string {
  return jsonPath.endsWith(".json") ? `${jsonPath.slice(0, -5)}.html` : `${jsonPath}.html`;
}

/** Renders the HTML report of an existing JSON result next to it; returns its path. */
export async function writeReportFrom(jsonPath: string): Promise<string> {
  const out = htmlPathFor(jsonPath);
  await writeFile(out, renderReport(JSON.parse(await readFile(jsonPath, "utf8")) as ReportInput));
  return out;
}

/**
 * The report page of one load-test result.
 *
 * @example
 *   await writeFile("run.html", renderReport(JSON.parse(await readFile("run.json", "utf8"))));
 */
export function renderReport(r: ReportInput): string {
  const a = loadAssets();
  const c = r.config;
  const ok =
    r.clients.failed === 0 &&
    r.clients.disconnects === 0 &&
    r.clients.joined === c.clients &&
    (c.roomsCreated ?? c.rooms) === c.rooms;
  const specs = chartSpecs(r.timeline);
  const data = {
    rampSeconds: c.rampSeconds,
    runSeconds: (c.rampSeconds ?? 0) + (c.durationSeconds ?? 0),
    charts: specs,
    bots: r.timeline?.bots ?? null,
    server: r.timeline?.server ?? null,
  };
  const started = r.startedAt.replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const title = `${num(c.clients)} ${c.bot} ${c.clients === 1 ? "bot" : "bots"} · ${num(c.rooms)} ${c.rooms === 1 ? "room" : "rooms"}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tickwire load test · ${esc(title)} · ${esc(started)}</title>
<style>${inlineCode(a.uplotCss, "style")}
${inlineCode(a.pageCss, "style")}</style>
</head>
<body>
<header>
  <div class="brand">Tickwire <span>load test</span></div>
  <div class="headline">
    <h1>${esc(title)}</h1>
    <span class="status ${ok ? "ok" : "bad"}">${ok ? "passed" : "failed"}</span>
  </div>
  <dl class="meta">
    ${meta("Endpoint", r.endpoint)}
    ${meta("Clients", num(c.clients))}
    ${meta("Rooms", c.roomsCreated !== undefined && c.roomsCreated !== c.rooms ? `${num(c.roomsCreated)} of ${num(c.rooms)} created` : num(c.rooms))}
    ${meta("Duration", `${num(c.rampSeconds)} s ramp + ${num(c.durationSeconds)} s steady`)}
    ${meta("Bots", c.bot === "thin" ? "thin (wire protocol only)" : "full (SDK: decode, predict)")}
    ${meta("Workers", `${num(c.workers)} · inputs ${num(c.inputHz)} Hz`)}
    ${meta("Started", started)}
  </dl>
  ${
    c.serverEnv
      ? `<div class="env">${Object.entries(c.serverEnv)
          .map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`)
          .join("")}</div>`
      : ""
  }
</header>
<main>
${alerts("warn", "Warnings", r.warnings)}${alerts("error", "Errors", r.errors)}
<section class="cards">
${cards(r).join("\n")}
</section>
<section class="charts">
${specs.map(panel).join("\n")}
</section>
<section class="summary">
  <h2 class="section-title">Summary</h2>
  <table id="summary">
${summaryRows(r).join("\n")}
  </table>
</section>
</main>
<footer><code>${esc(r.command)}</code></footer>
<script id="report-data" type="application/json">${jsonForScript(data)}</script>
<script>${inlineCode(a.uplotJs, "script")}</script>
<script>${inlineCode(a.pageJs, "script")}</script>
</body>
</html>
`;
}

/** JSON that stays data inside a <script>: no `<` (so no `</script>` or `<!--`) and no JS line separators. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A file inlined into a <script> or <style>: its own closing tag cannot end the element early. */
function inlineCode(code: string, tag: "script" | "style"): string {
  return code.replace(new RegExp(`</(${tag})`, "gi"), "<\\/$1");
}

function meta(label: string, value: string): string {
  return `<div><dt>${esc(label)}</dt><dd>${esc(value)}</dd></div>`;
}

function alerts(kind: "warn" | "error", title: string, lines: string[]): string {
  if (lines.length === 0) return "";
  return `<section class="alert ${kind}"><h2>${esc(title)}</h2><ul>${lines.map((l) => `<li>${esc(l)}</li>`).join("")}</ul></section>\n`;
}

function panel(spec: ChartSpec): string {
  const body = spec.missing
    ? `<div class="missing">${esc(spec.missing)}</div>`
    : `<div class="plot" data-chart="${esc(spec.id)}"></div>`;
  return `<figure class="panel" id="chart-${esc(spec.id)}"><figcaption><h3>${esc(spec.title)}</h3><p>${esc(spec.note)}</p></figcaption>${body}</figure>`;
}
