import type { ArenaConnection } from "../client/index.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** Chat lines kept in the log. */
const CHAT_LINES = 50;
/** The text panels are refreshed this often (ms): often enough to read, rarely enough to cost nothing. */
const REFRESH_MS = 250;

/** The page's DOM panels: net stats, scoreboard, kill feed, chat log and status banner. */
export class Hud {
  readonly #stats = $<HTMLDivElement>("stats");
  readonly #board = $<HTMLOListElement>("board-list");
  readonly #feed = $<HTMLDivElement>("feed-list");
  readonly #log = $<HTMLDivElement>("chat-log");
  readonly #status = $<HTMLDivElement>("status");
  #refreshedAt = -Infinity;

  /** Adds a line to the chat log; `kind` styles errors and notices. */
  line(text: string, kind: "chat" | "error" | "system" = "chat"): void {
    const div = document.createElement("div");
    div.textContent = text;
    div.className = kind;
    this.#log.append(div);
    while (this.#log.childElementCount > CHAT_LINES) this.#log.firstElementChild?.remove();
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  /** A banner in the middle of the screen (empty hides it). */
  status(text: string): void {
    this.#status.textContent = text;
    this.#status.style.display = text ? "block" : "none";
  }

  update(arena: ArenaConnection, now: number): void {
    if (now - this.#refreshedAt < REFRESH_MS) return;
    this.#refreshedAt = now;
    const s = arena.netStats(now);
    const me = arena.self;
    const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
    this.#stats.textContent = [
      `rtt          ${fmt(s.rttMs)} ms (jitter ${fmt(s.jitterMs, 1)})`,
      `updates      ${fmt(s.updatesPerSecond)} /s`,
      `unreliable   ${s.unreliableFrames} frames (${fmt(s.unreliableFramesPerSecond)} /s)`,
      `corrections  ${fmt(s.correctionsPerMinute, 1)} /min, mean ${fmt(s.meanCorrectionDistance, 1)} u`,
      `downstream   ${fmt(s.downstreamBytesPerSecond / 1024, 1)} KiB/s`,
      `pending      ${s.pendingInputs} inputs · interp ${fmt(s.interpolationDelayMs)} ms`,
      `in view      ${arena.state?.players?.size ?? 0} players · tick ${arena.state?.tick ?? 0}`,
      `you          ${me ? `${me.health} hp${me.alive ? "" : " (respawning)"} · score ${me.score}` : "–"}`,
    ].join("\n");

    const rows =
      arena.state?.scoreboard?.map((e) => ({ id: e.id, text: `${e.name} — ${e.score} (${e.kills}/${e.deaths})` })) ??
      [];
    this.#board.replaceChildren(
      ...rows.map((r) => {
        const li = document.createElement("li");
        li.textContent = r.text;
        if (r.id === arena.sessionId) li.className = "me";
        return li;
      }),
    );
    const kills = arena.state?.killFeed?.map((k) => `${k.killerName} ✕ ${k.victimName}`) ?? [];
    this.#feed.replaceChildren(
      ...kills.reverse().map((text) => {
        const div = document.createElement("div");
        div.textContent = text;
        return div;
      }),
    );
  }
}
