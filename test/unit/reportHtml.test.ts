import { describe, expect, it } from "vitest";
import { htmlPathFor, type ReportInput, renderReport } from "../../loadtest/src/reportHtml.ts";

// The load tester's HTML report as a pure function of its JSON result: what a result puts on
// the page stays text or data, however it is spelled.

const BREAKOUT = "</script><script>window.pwned = 1</script><!--";

function result(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    command: "npm run loadtest -- --clients 3",
    endpoint: "ws://127.0.0.1:2567",
    startedAt: "2026-12-03T19:00:00.000Z",
    config: { bot: "full", clients: 3, rooms: 1, durationSeconds: 2, rampSeconds: 1, workers: 1, inputHz: 30 },
    clients: { joined: 3, failed: 0, disconnects: 0 },
    perClient: { patchesPerSecond: 50, downstreamBytesPerSecond: 1500 },
    playersHeld: 3,
    combat: { shots: 4, hits: 1 },
    rttMs: { samples: 9, p50: 1, p99: 2 },
    joinMs: { samples: 3, p50: 10, p99: 20, max: 20 },
    serverTickMs: { samples: 90, p50: 0.2, p99: 1 },
    serverFlushMs: { samples: 90, p50: 0.2, p99: 1 },
    warnings: [],
    errors: [],
    timeline: {
      sampleSeconds: 1,
      bots: {
        t: [0, 1, 2],
        joined: [1, 3, 3],
        failed: [0, 0, 0],
        disconnects: [0, 0, 0],
        patchesPerClientPerSecond: [null, 50, 50],
        bytesPerClientPerSecond: [null, 1500, 1500],
        bytesPerSecond: [null, 4500, 4500],
        rttP50Ms: [null, 1, 1],
        rttP99Ms: [null, 2, 2],
      },
      server: { t: [1, 2], tickP99Ms: [1, 1], flushP99Ms: [1, 1], cpuCores: [0.1, 0.1] },
    },
    ...overrides,
  };
}

/** The page's data object, read back as the page reads it. */
function pageData(html: string): any {
  const m = /<script id="report-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error("no report-data script");
  return JSON.parse(m[1]!);
}

describe("renderReport", () => {
  it("keeps a value containing </script> inert: text in the page, data in the JSON", () => {
    const html = renderReport(
      result({
        endpoint: `ws://x/${BREAKOUT}`,
        warnings: [`slow ${BREAKOUT}`],
        timeline: { ...result().timeline!, server: null, serverUnavailable: BREAKOUT },
      }),
    );
    // Three scripts (data, uPlot, charts): nothing from the result opens or closes one.
    expect(html.match(/<script\b/gi)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
    expect(html).not.toContain("window.pwned = 1</script>");
    expect(html).not.toContain("<!--");
    // Shown as written, in the header and the warnings.
    expect(html).toContain("ws://x/&#60;/script&#62;&#60;script&#62;window.pwned = 1&#60;/script&#62;&#60;!--");
    expect(html).toMatch(/<section class="alert warn">.*slow &#60;\/script&#62;/);
    // The data still carries the value unchanged.
    const data = pageData(html);
    expect(data.charts.find((c: any) => c.id === "server-cpu").missing).toBe(`no server metrics: ${BREAKOUT}`);
  });

  it("draws every chart from the timeline, or says what it lacks", () => {
    const full = renderReport(result());
    expect(full.match(/<div class="plot" data-chart="/g)).toHaveLength(6);
    expect(full).not.toContain('<div class="missing">');
    expect(pageData(full).bots).toEqual(result().timeline!.bots);
    expect(full).toContain('<span class="status ok">passed</span>');

    const noServer = renderReport(result({ timeline: { ...result().timeline!, server: null } }));
    expect(noServer.match(/<div class="plot" data-chart="/g)).toHaveLength(4);
    expect(noServer.match(/<div class="missing">no server metrics<\/div>/g)).toHaveLength(2);

    const noTimeline = renderReport(result({ timeline: undefined, clients: { joined: 2, failed: 1, disconnects: 0 } }));
    expect(noTimeline).not.toContain('<div class="plot"');
    expect(noTimeline).toContain('<span class="status bad">failed</span>');
  });

  it("fails a run that created fewer rooms than asked, even with every bot joined, and says so", () => {
    const html = renderReport(result({ config: { ...result().config, rooms: 2, roomsCreated: 1 } }));
    expect(html).toContain('<span class="status bad">failed</span>');
    expect(html).toContain("<dt>Rooms</dt><dd>1 of 2 created</dd>");
    expect(renderReport(result({ config: { ...result().config, roomsCreated: 1 } }))).toContain(
      '<span class="status ok">passed</span>',
    );
  });

  it("shows the bots never seated and the bots' waits on 429s", () => {
    const html = renderReport(
      result({
        clients: { joined: 2, failed: 0, unseated: 1, disconnects: 0, rateLimited: 4 },
        rateLimitWaitMs: { bots: 2, p50: 1500, max: 4200 },
      }),
    );
    expect(html).toContain("<th>Never seated</th><td>1</td>");
    expect(html).toMatch(/<th>Rate limited<\/th><td>4<\/td><td>[^<]*· 2 bots waited, p50 1.5 s, max 4.2 s in all</);
    expect(html).toContain("429 waits left out");
  });

  it("shows a figure lost to JSON (NaN became null) as a dash", () => {
    const html = renderReport(result({ rttMs: { samples: 0, p50: null, p99: null } }));
    expect(html).toContain("<th>RTT</th><td>p50 – · p99 –</td>");
  });

  it("puts the HTML next to its JSON", () => {
    expect(htmlPathFor("/tmp/run.json")).toBe("/tmp/run.html");
    expect(htmlPathFor("/tmp/run")).toBe("/tmp/run.html");
  });
});
