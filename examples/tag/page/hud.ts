import type { TagConnection } from "../client/index.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
/** The text panels are refreshed this often (ms): often enough to read, rarely enough to cost nothing. */
const REFRESH_MS = 250;

/** What the banner says: who is "it", from this client's point of view. */
export function bannerFor(tag: TagConnection, spectating: boolean): { text: string; kind: "it" | "run" | "watch" } {
  const { itId, itName } = tag.state ?? { itId: "", itName: "" };
  if (spectating) return { text: itId ? `watching · ${itName} is it` : "watching · nobody is it", kind: "watch" };
  if (itId === tag.sessionId) return { text: tag.self?.frozen ? "you are IT! (frozen)" : "you are IT!", kind: "it" };
  if (tag.self?.frozen) return { text: `frozen! ${itName} is coming`, kind: "run" };
  return { text: itId ? `run from ${itName}` : "waiting for a chaser…", kind: "run" };
}

/** The page's DOM panels: the "it" banner, scores of the runners in view, net stats, status. */
export class Hud {
  readonly #banner = $<HTMLDivElement>("banner");
  readonly #board = $<HTMLOListElement>("board-list");
  readonly #stats = $<HTMLDivElement>("stats");
  readonly #status = $<HTMLDivElement>("status");
  #refreshedAt = -Infinity;

  /** A notice in the middle of the screen (empty hides it). */
  status(text: string): void {
    this.#status.textContent = text;
    this.#status.style.display = text ? "block" : "none";
  }

  update(tag: TagConnection, spectating: boolean, now: number): void {
    if (now - this.#refreshedAt < REFRESH_MS) return;
    this.#refreshedAt = now;
    const banner = bannerFor(tag, spectating);
    this.#banner.textContent = banner.text;
    this.#banner.className = `panel ${banner.kind}`;

    const s = tag.netStats(now);
    const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "–");
    this.#stats.textContent =
      `rtt ${fmt(s.smoothedRttMs)} ms · corrections ${fmt(s.correctionsPerMinute, 1)}/min · ` +
      `${fmt(s.updatesPerSecond)} updates/s · ${tag.state?.runners?.size ?? 0} runners, ` +
      `${tag.state?.balls?.size ?? 0} balls in view`;

    const rows: Array<{ id: string; name: string; score: number; it: boolean }> = [];
    tag.state?.runners?.forEach((r, id) => {
      rows.push({ id, name: r.name, score: r.score, it: r.it });
    });
    rows.sort((a, b) => b.score - a.score);
    this.#board.replaceChildren(
      ...rows.map((r) => {
        const li = document.createElement("li");
        li.textContent = `${r.it ? "IT · " : ""}${r.name} — ${r.score}`;
        li.className = r.id === tag.sessionId ? "me" : r.it ? "it" : "";
        return li;
      }),
    );
  }
}
