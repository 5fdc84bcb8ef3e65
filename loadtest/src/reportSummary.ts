import type { ReportInput } from "./reportHtml.ts";

// The report's figures as HTML: the cards at the top and the summary table, the same figures
// as the text report prints.

/** Text for HTML: in an element or a quoted attribute. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A number for people, thousands separated, with its unit; "–" alone for a missing one. */
export function num(v: number | null | undefined, digits = 0, unit = ""): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const n = v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return unit === "" ? n : unit.startsWith("/") ? `${n}${unit}` : `${n} ${unit}`;
}

function bytesRate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  if (v >= 1e6) return `${num(v / 1e6, 2)} MB/s`;
  if (v >= 1e3) return `${num(v / 1e3, 1)} kB/s`;
  return num(v, 0, "B/s");
}

/** `tone`: an accent colour (the figure's colour in the charts), or good or bad. */
function card(label: string, value: string, detail: string, tone: string): string {
  const cls = tone === "good" || tone === "bad" ? ` ${tone}` : "";
  const style = cls ? "" : ` style="--accent: ${esc(tone)}"`;
  return `<div class="card${cls}"${style}><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="detail">${esc(detail)}</div></div>`;
}

export function cards(r: ReportInput): string[] {
  const { clients: c, config } = r;
  const s = r.serverCpu;
  const lost = (c.failed ?? 0) + (c.disconnects ?? 0);
  const tickBudget = s?.tickHz ? 1000 / s.tickHz : null;
  return [
    card(
      "Clients joined",
      `${num(c.joined)} / ${num(config.clients)}`,
      `${num(c.failed)} failed · ${num(c.disconnects)} dropped${c.unseated ? ` · ${num(c.unseated)} never seated` : ""}`,
      lost === 0 && c.joined === config.clients ? "good" : "bad",
    ),
    card(
      "Join time p99",
      num(r.joinMs.p99, 1, "ms"),
      `p50 ${num(r.joinMs.p50, 1, "ms")} · max ${num(r.joinMs.max, 1, "ms")}`,
      "#38bdf8",
    ),
    card(
      "RTT p50 / p99",
      `${num(r.rttMs.p50, 1)} / ${num(r.rttMs.p99, 1, "ms")}`,
      `${num(r.rttMs.samples)} pings`,
      "#4ade80",
    ),
    card("Patches", num(r.perClient.patchesPerSecond, 1, "/s"), "per client, steady state", "#a78bfa"),
    card(
      "Downstream",
      bytesRate(r.perClient.downstreamBytesPerSecond),
      `per client · ${bytesRate((r.perClient.downstreamBytesPerSecond ?? NaN) * (c.joined ?? 0))} in all`,
      "#22d3ee",
    ),
    card(
      "Server tick p99",
      num(r.serverTickMs.p99, 2, "ms"),
      `p50 ${num(r.serverTickMs.p50, 2, "ms")}${tickBudget ? ` · budget ${num(tickBudget, 1, "ms")}` : ""}`,
      "#60a5fa",
    ),
    card(
      "Server flush p99",
      num(r.serverFlushMs.p99, 2, "ms"),
      `p50 ${num(r.serverFlushMs.p50, 2, "ms")} · encode + send`,
      "#fb923c",
    ),
    card(
      "Server CPU",
      s ? num(s.cores, 2, "cores") : "–",
      s ? `${num(s.playersPerCore)} players per core at ${num(s.tickHz)} Hz` : "no server metrics",
      "#34d399",
    ),
  ];
}

/** The summary table's rows, by section. */
export function summaryRows(r: ReportInput): string[] {
  const rows: string[] = [];
  const section = (name: string) => rows.push(`    <tr class="section"><th colspan="3">${esc(name)}</th></tr>`);
  const row = (label: string, value: string, detail = "") =>
    rows.push(`    <tr><th>${esc(label)}</th><td>${esc(value)}</td><td>${esc(detail)}</td></tr>`);
  const thin = r.config.bot === "thin";
  section("Clients");
  row("Clients joined", `${num(r.clients.joined)} / ${num(r.config.clients)}`);
  row("Failed joins", num(r.clients.failed));
  if (r.clients.unseated) row("Never seated", num(r.clients.unseated), "still joining when the run ended");
  row("Disconnects", num(r.clients.disconnects));
  if ((r.clients.rateLimited ?? 0) > 0) {
    const w = r.rateLimitWaitMs;
    row(
      "Rate limited",
      num(r.clients.rateLimited),
      `seat requests answered 429, waited out and retried: joins spread past the ramp${w?.bots ? ` · ${num(w.bots)} bots waited, p50 ${num((w.p50 ?? NaN) / 1000, 1, "s")}, max ${num((w.max ?? NaN) / 1000, 1, "s")} in all` : ""}`,
    );
  }
  row(
    "Join time",
    `p50 ${num(r.joinMs.p50, 1, "ms")} · p99 ${num(r.joinMs.p99, 1, "ms")} · max ${num(r.joinMs.max, 1, "ms")}`,
    `${num(r.joinMs.samples)} joins over a ${num(r.config.rampSeconds)} s ramp · from the last seat request, 429 waits left out`,
  );
  section("Per client (steady state)");
  row("Patches", num(r.perClient.patchesPerSecond, 2, "/s"));
  row(
    "Downstream",
    num(r.perClient.downstreamBytesPerSecond, 0, "B/s"),
    bytesRate(r.perClient.downstreamBytesPerSecond),
  );
  row("RTT", `p50 ${num(r.rttMs.p50, 2, "ms")} · p99 ${num(r.rttMs.p99, 2, "ms")}`, `${num(r.rttMs.samples)} pings`);
  row(
    "Players held",
    thin ? "not measured" : num(r.playersHeld, 1),
    thin ? "thin bots decode no state" : "interest management",
  );
  row(
    "Shots / hits",
    `${num(r.combat.shots)} / ${thin ? "–" : num(r.combat.hits)}`,
    thin ? "thin bots count no hits" : "",
  );
  section("Server");
  row(
    "Tick duration",
    `p50 ${num(r.serverTickMs.p50, 3, "ms")} · p99 ${num(r.serverTickMs.p99, 3, "ms")}`,
    `${num(r.serverTickMs.samples)} ticks, from /metrics`,
  );
  row(
    "Flush (encode + send)",
    `p50 ${num(r.serverFlushMs.p50, 3, "ms")} · p99 ${num(r.serverFlushMs.p99, 3, "ms")}`,
    `${num(r.serverFlushMs.samples)} flushes`,
  );
  const s = r.serverCpu;
  if (s) {
    row(
      "CPU",
      `${num(s.cores, 3, "cores")} for ${num(s.clients, 1)} clients at ${num(s.tickHz)} Hz`,
      `${num(s.cpuPerClientTickUs, 2)} µs per client-tick · ${num(s.playersPerCore)} players per core (${s.tickHzFrom}, steady ${num(s.windowSeconds, 1)} s)`,
    );
    row(
      "Frames per client",
      `${num(s.framesReceivedPerClientPerSecond, 2, "/s")} received · ${num(s.framesSentPerClientPerSecond, 2, "/s")} sent`,
      `unreliable ${num(s.unreliableSentPerClientPerSecond, 2, "/s")} sent, ${num(s.unreliableDroppedPerClientPerSecond, 2, "/s")} dropped · ${num(s.flushesPerRoomPerSecond, 1)} flushes per room-second`,
    );
  } else row("CPU", "not measured", "no /metrics with process_cpu_seconds_total");
  const b = r.botCpu;
  if (b) {
    section("Bots");
    row(
      "Bot process CPU",
      num(b.processCores, 3, "cores"),
      `${num(b.cpuPerBotTickUs, 2)} µs per bot-input · ${num(b.botsPerBotCore)} bots per bot core`,
    );
    row(
      "Worker loops",
      `${num((b.workerEluMean ?? NaN) * 100, 0, "%")} busy mean · ${num((b.workerEluMax ?? NaN) * 100, 0, "%")} max`,
      `input schedule lag max ${num(b.inputScheduleLagMaxMs, 1, "ms")}`,
    );
    row(
      "Per bot",
      `${num(b.inputsPerClientPerSecond, 2)} inputs/s sent · ${num(b.patchesPerClientPerSecond, 2)} patches/s received`,
      `${num(b.unreliableFramesPerClientPerSecond, 2)} unreliable · ${num(b.acksPerClientPerSecond, 2)} acks/s (${num(b.bareAcksPerClientPerSecond, 2)} alone)`,
    );
  }
  return rows;
}
