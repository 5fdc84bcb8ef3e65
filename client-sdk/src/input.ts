import type { InputHandle } from "@colyseus/sdk";
import type { EngineInput } from "@tickwire/shared";
import type { AnyRoom } from "./colyseus.ts";
import type { AnyClientGame, InputFields } from "./game.ts";
import type { InputLayout } from "./layout.ts";
import { now } from "./time.ts";

/**
 * A game's inputs on the room's input channel: each send stamps the next `seq`, fills the
 * fields left out with their defaults, and returns the copy to predict with, as the server will
 * step it (float32 fields rounded as the wire rounds them, then the game's sanitizer).
 */
export class InputSender<I extends EngineInput> {
  readonly #handle: InputHandle<I>;
  readonly #layout: InputLayout;
  readonly #sanitize: ((input: I) => unknown) | undefined;
  #seq = 0;

  constructor(room: AnyRoom, game: AnyClientGame, layout: InputLayout) {
    // Unreliable mode: each frame carries the newest inputs (a redundancy ring), so a frame the
    // channel skips while the socket is backed up costs nothing.
    this.#handle = room.input<I>({ type: game.input, mode: "unreliable" });
    this.#layout = layout;
    this.#sanitize = game.sanitizeInput?.bind(game);
  }

  /** Sequence number of the newest input sent. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Sends one input; returns its sequence number and the copy to predict with. */
  send(fields: InputFields<I>): { seq: number; predicted: I } {
    const data = this.#handle.data as Record<string, unknown>;
    const given = fields as Record<string, unknown>;
    const predicted: Record<string, unknown> = { seq: ++this.#seq };
    data.seq = this.#seq;
    for (const [name, fallback] of Object.entries(this.#layout.defaults)) {
      const value = given[name] ?? fallback;
      data[name] = value;
      predicted[name] = value;
    }
    this.#handle.send();
    for (const name of this.#layout.float32) predicted[name] = Math.fround(predicted[name] as number);
    this.#sanitize?.(predicted as I);
    return { seq: this.#seq, predicted: predicted as I };
  }
}

/**
 * Calls `tick()` once per server tick on a steady average rate whatever the timer's jitter,
 * until `stopped()` says so or the returned function is called.
 */
export function inputLoop(tickMs: () => number, stopped: () => boolean, tick: () => void): () => void {
  const started = now();
  let sent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Each wake is timed to the next input's due time: an input sent at a steady phase reaches
  // the server's buffer before the same tick each time.
  const wake = () => {
    if (stopped()) return;
    const ms = tickMs();
    const due = Math.floor((now() - started) / ms);
    // After a long stall (a background tab), skip ahead rather than send a burst.
    if (due - sent > 2) sent = due - 1;
    while (sent < due) {
      sent++;
      tick();
    }
    timer = setTimeout(wake, Math.max(1, started + (sent + 1) * ms - now()));
  };
  timer = setTimeout(wake, 0);
  return () => clearTimeout(timer);
}
