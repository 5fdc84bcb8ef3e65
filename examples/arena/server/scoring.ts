import { COMBAT, KillFeedEntry, ScoreEntry, type ArenaState } from "../shared/index.ts";

/**
 * The global parts of the score: the kill feed (newest COMBAT.KILL_FEED_SIZE kills) and the
 * scoreboard (top COMBAT.SCOREBOARD_SIZE by score, then kills, then fewer deaths, then name).
 * The scoreboard is rebuilt only on ticks where a score or the player list changed, and only
 * the entries that differ are written, so an unchanged board costs no bytes.
 */
export class Scoring {
  readonly #state: ArenaState;
  #dirty = true;

  constructor(state: ArenaState) {
    this.#state = state;
  }

  /** The player list changed (join, leave). */
  changed(): void {
    this.#dirty = true;
  }

  kill(tick: number, killer: string, killerName: string, victim: string, victimName: string): void {
    const feed = this.#state.killFeed;
    feed.push(new KillFeedEntry().assign({ tick, killer, killerName, victim, victimName }));
    while (feed.length > COMBAT.KILL_FEED_SIZE) feed.shift();
    this.#dirty = true;
  }

  /** Call once per tick, after the step. */
  update(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    const ranked = [...this.#state.players.entries()]
      .sort(
        ([ia, a], [ib, b]) =>
          b.score - a.score ||
          b.kills - a.kills ||
          a.deaths - b.deaths ||
          a.name.localeCompare(b.name) ||
          ia.localeCompare(ib),
      )
      .slice(0, COMBAT.SCOREBOARD_SIZE);
    const board = this.#state.scoreboard;
    ranked.forEach(([id, p], i) => {
      const entry = board.at(i);
      if (
        entry &&
        entry.id === id &&
        entry.name === p.name &&
        entry.score === p.score &&
        entry.kills === p.kills &&
        entry.deaths === p.deaths
      )
        return;
      const fresh = new ScoreEntry().assign({ id, name: p.name, score: p.score, kills: p.kills, deaths: p.deaths });
      if (entry) board[i] = fresh;
      else board.push(fresh);
    });
    while (board.length > ranked.length) board.pop();
  }
}
