import type { ReportInput } from "./reportHtml.ts";

// The report the load tester prints at the end of a run: the JSON result's figures, in lines.

/**
 * The printed report's lines, from the run's result. `steadySeconds`: the length of the steady
 * window the per-client figures cover; `cost`: the lines of its cost (cost.ts `costLines`).
 */
export function reportLines(r: ReportInput, steadySeconds: number, cost: string[]): string[] {
  const c = r.clients;
  const lines = [
    `clients joined ${c.joined}/${r.config.clients}, failed ${c.failed}, disconnects ${c.disconnects}${c.unseated ? `, never seated ${c.unseated} (still waiting when the run ended)` : ""}`,
  ];
  if (r.config.roomsCreated !== undefined && r.config.roomsCreated !== r.config.rooms)
    lines.push(`rooms: ${r.config.roomsCreated} of ${r.config.rooms} created`);
  if (c.rateLimited) {
    const w = r.rateLimitWaitMs;
    const waited = w?.bots ? `; ${w.bots} bots waited, p50 ${seconds(w.p50)} s, max ${seconds(w.max)} s in all` : "";
    lines.push(
      `rate limited: ${c.rateLimited} seat requests got 429 (the server's per-address matchmaking limits) and were retried after Retry-After${waited}: joins were spread over longer than the ramp`,
    );
  }
  lines.push(
    `per client: ${r.perClient.patchesPerSecond} patches/s, ${r.perClient.downstreamBytesPerSecond} B/s downstream (steady state, ${steadySeconds.toFixed(1)} s)`,
    `RTT: p50 ${r.rttMs.p50} ms, p99 ${r.rttMs.p99} ms (${r.rttMs.samples} pings)`,
    `join time: p50 ${r.joinMs.p50} ms, p99 ${r.joinMs.p99} ms, max ${r.joinMs.max} ms (${r.joinMs.samples} joins over a ${r.config.rampSeconds} s ramp; from the last seat request, 429 waits left out)`,
    r.config.bot === "thin"
      ? `players held per client: not measured (thin bots decode no state), shots ${r.combat.shots}, hits not counted (thin bots do not read the shot messages: 0 in the JSON)`
      : `players held per client: ${r.playersHeld} (interest management), shots ${r.combat.shots}, hits ${r.combat.hits}`,
    `server tick duration: p50 ${r.serverTickMs.p50} ms, p99 ${r.serverTickMs.p99} ms (${r.serverTickMs.samples} ticks, from /metrics)`,
    `server flush (encode + send): p50 ${r.serverFlushMs.p50} ms, p99 ${r.serverFlushMs.p99} ms (${r.serverFlushMs.samples} flushes)`,
    ...cost,
    ...r.warnings.map((w) => `WARNING: ${w}`),
  );
  if (r.errors.length) lines.push(`errors: ${r.errors.join(" | ")}`);
  return lines;
}

function seconds(ms: number | null): string {
  return ms === null ? "–" : (ms / 1000).toFixed(1);
}
