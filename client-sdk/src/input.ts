import type { EngineInput } from "@tickwire/shared";
import {
  type InputCodec,
  inputCodecOf,
  inputFrameBytes,
  MAX_INPUTS_PER_FRAME,
  writeInputFrame,
} from "@tickwire/shared/protocol";
import type { ClientChannel } from "./channel.ts";
import type { AnyClientGame, InputFields } from "./game.ts";
import type { InputLayout } from "./layout.ts";
import { now } from "./time.ts";

/** Inputs each input frame carries (the newest and the ones before it), against loss and skips. */
export const INPUT_REDUNDANCY = 3;

/**
 * A game's inputs in Tickwire's input frames: each send stamps the next `seq`, fills the fields
 * left out with their defaults, and sends a frame with the newest inputs (so that a frame the
 * channel skips while the socket is backed up costs nothing). It returns the copy to predict
 * with, as the server will step it (float32 fields rounded as the wire rounds them, then the
 * game's sanitizer).
 */
export class InputSender<I extends EngineInput> {
  readonly #channel: ClientChannel;
  readonly #codec: InputCodec;
  readonly #layout: InputLayout;
  readonly #sanitize: ((input: I) => unknown) | undefined;
  /** The newest inputs sent, newest first. */
  readonly #recent: Array<Record<string, unknown>> = [];
  #seq = 0;

  constructor(channel: ClientChannel, game: AnyClientGame, layout: InputLayout) {
    if (INPUT_REDUNDANCY > MAX_INPUTS_PER_FRAME) throw new Error("INPUT_REDUNDANCY over MAX_INPUTS_PER_FRAME");
    this.#channel = channel;
    this.#codec = inputCodecOf(game.input);
    this.#layout = layout;
    this.#sanitize = game.sanitizeInput?.bind(game);
  }

  /** Sequence number of the newest input sent. */
  get lastSeq(): number {
    return this.#seq;
  }

  /** Sends one input; returns its sequence number and the copy to predict with. */
  send(fields: InputFields<I>): { seq: number; predicted: I } {
    const given = fields as Record<string, unknown>;
    const seq = ++this.#seq;
    const sent: Record<string, unknown> = { seq };
    for (const [name, fallback] of Object.entries(this.#layout.defaults)) sent[name] = given[name] ?? fallback;
    this.#recent.unshift(sent);
    if (this.#recent.length > INPUT_REDUNDANCY) this.#recent.pop();
    this.#channel.sendInput(inputFrameBytes(this.#codec, this.#recent.length), (target, offset) =>
      writeInputFrame(this.#codec, target, offset, seq, this.#recent),
    );
    const predicted = { ...sent };
    for (const name of this.#layout.float32) predicted[name] = Math.fround(predicted[name] as number);
    this.#sanitize?.(predicted as unknown as I);
    return { seq, predicted: predicted as unknown as I };
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
