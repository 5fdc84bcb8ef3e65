import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, useServer } from "../helpers/server.ts";

const DASHBOARD_FILE = path.join(ROOT, "docs/grafana/tickwire-dashboard.json");
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's import placeholder, not a JS template.
const DATASOURCE_UID = "${DS_PROMETHEUS}";
const ROWS = ["Load", "Timing", "Traffic", "Unreliable channel", "Errors & abuse", "Process"];

// Words of PromQL that are neither metrics nor followed by "(" (functions and aggregations are).
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"]);
const BINARY_WORDS = new Set(["and", "or", "unless", "atan2"]);

/**
 * The metric names one PromQL expression reads: identifiers left once strings, label matchers,
 * ranges, label lists and Grafana variables are removed, and that do not call something.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/\$\{?\w+\}?/g, " ");
  const names: string[] = [];
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const before = bare[m.index - 1] ?? " ";
    // Part of a number or a duration (0.99, 1e3, 5m).
    if (/[0-9.]/.test(before)) continue;
    if (/^\s*\(/.test(bare.slice(m.index + m[0].length))) continue;
    if (KEYWORDS.has(m[0]) || BINARY_WORDS.has(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

/** The metric names a template variable query reads (`label_values(metric, label)` or PromQL). */
function variableMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\(\s*(.*?)\s*,\s*\w+\s*\)\s*$/.exec(query);
  if (labelValues) return metricNames(labelValues[1]!);
  if (/^\s*label_values\(\s*\w+\s*\)\s*$/.test(query)) return [];
  return metricNames(query.replace(/^\s*query_result\((.*)\)\s*$/, "$1"));
}

/**
 * The sample names a Prometheus text exposition declares, from its `# TYPE` lines (a labelled
 * counter with no sample yet still has one): a histogram adds `_bucket`, `_sum` and `_count`.
 */
function declaredNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split("\n")) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(name + s);
    if (type === "summary") for (const s of ["_sum", "_count"]) names.add(name + s);
    // OpenMetrics declares a counter without its `_total` suffix; prom-client's text format with it.
    if (type === "counter" && !name.endsWith("_total")) names.add(`${name}_total`);
  }
  return names;
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, "utf8"));
const rows = dashboard.panels.filter((p: any) => p.type === "row");
const graphs = dashboard.panels.filter((p: any) => p.type !== "row");
const variables: any[] = dashboard.templating.list;
const variableQueries = variables.map((v) => (typeof v.query === "string" ? v.query : v.query.query) as string);

function usedMetricNames(): Set<string> {
  const used = new Set<string>();
  for (const panel of graphs) for (const t of panel.targets) for (const n of metricNames(t.expr)) used.add(n);
  for (const q of variableQueries) for (const n of variableMetricNames(q)) used.add(n);
  return used;
}

describe("Grafana dashboard (docs/grafana/tickwire-dashboard.json)", () => {
  const ctx = useServer();

  it("is shaped for Grafana's Import: datasource input, unique ids, titled panels with queries and units", () => {
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" }),
    ]);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.uid).toBeTruthy();
    expect(rows.map((r: any) => r.title)).toEqual(ROWS);
    expect(graphs.length).toBeGreaterThan(0);

    const ids = dashboard.panels.map((p: any) => p.id);
    expect(ids.every((id: unknown) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);

    for (const panel of graphs) {
      expect(panel.title, `panel ${panel.id}`).toBeTruthy();
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
      expect(panel.fieldConfig?.defaults?.unit, panel.title).toBeTruthy();
      expect(panel.gridPos, panel.title).toEqual(
        expect.objectContaining({ w: expect.any(Number), h: expect.any(Number) }),
      );
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets.map((t: any) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const t of panel.targets) {
        expect(t.datasource, panel.title).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
        expect(t.expr, panel.title).toBeTruthy();
        // Every query follows the instance picker.
        expect(t.expr, panel.title).toContain('instance=~"$instance"');
      }
    }
  });

  it("has an instance variable over the processes Prometheus scrapes", () => {
    const instance = variables.find((v) => v.name === "instance");
    expect(instance).toBeDefined();
    expect(instance.datasource).toEqual({ type: "prometheus", uid: DATASOURCE_UID });
    expect(instance.definition).toBe("label_values(tickwire_rooms, instance)");
    expect(variableQueries).toContain("label_values(tickwire_rooms, instance)");
    expect(instance.multi).toBe(true);
    expect(instance.includeAll).toBe(true);
  });

  it("reads metric names out of PromQL, so a misspelled one is caught", () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (instance, le) (rate(tickwire_tick_duraton_seconds_bucket{instance=~"$instance", le!="+Inf"}[$__rate_interval])))',
      ),
    ).toEqual(["tickwire_tick_duraton_seconds_bucket"]);
    expect(metricNames("a_total / ignoring(code) group_left b offset 5m > bool 1e3 and on(x) c")).toEqual([
      "a_total",
      "b",
      "c",
    ]);
    expect(variableMetricNames("label_values(tickwire_rooms, instance)")).toEqual(["tickwire_rooms"]);
    expect(
      declaredNames("# TYPE tickwire_tick_duration_seconds histogram\n").has("tickwire_tick_duraton_seconds_bucket"),
    ).toBe(false);
  });

  it("uses only metrics the server's /metrics declares", async () => {
    const res = await fetch(`${ctx.server.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    const declared = declaredNames(await res.text());
    expect(declared.has("tickwire_rooms")).toBe(true);

    const used = [...usedMetricNames()].sort();
    // Every series the dashboard reads is Tickwire's own (the default metrics are prefixed too).
    expect(used.filter((n) => !n.startsWith("tickwire_"))).toEqual([]);
    expect(used.filter((n) => !declared.has(n))).toEqual([]);
  });
});
