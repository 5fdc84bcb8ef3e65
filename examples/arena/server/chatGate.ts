export interface ChatLimits {
  /** Sustained lines per second per client. */
  perSecond: number;
  /** Lines a client may send at once after a quiet spell. */
  burst: number;
  /** How long a client that goes over the limit is muted, in ms. */
  muteMs: number;
}

export type ChatVerdict =
  | { ok: true }
  /** Over the limit: muted from now until `until` (ms); tell the sender once. */
  | { ok: false; reason: "chat_flood"; until: number }
  /** Still muted; the line is dropped without another notice. */
  | { ok: false; reason: "chat_muted"; until: number };

/**
 * Per-client chat limit: a token bucket (`perSecond`, up to `burst`). A line with no token left
 * mutes its sender for `muteMs`. Time is passed in, so a test can step it.
 */
export class ChatGate {
  readonly #limits: ChatLimits;
  readonly #clients = new Map<string, { tokens: number; at: number; mutedUntil: number }>();

  constructor(limits: ChatLimits) {
    this.#limits = limits;
  }

  check(client: string, now: number): ChatVerdict {
    const { perSecond, burst, muteMs } = this.#limits;
    let c = this.#clients.get(client);
    if (!c) {
      c = { tokens: burst, at: now, mutedUntil: 0 };
      this.#clients.set(client, c);
    }
    if (now < c.mutedUntil) return { ok: false, reason: "chat_muted", until: c.mutedUntil };
    c.tokens = Math.min(burst, c.tokens + ((now - c.at) / 1000) * perSecond);
    c.at = now;
    if (c.tokens >= 1) {
      c.tokens -= 1;
      return { ok: true };
    }
    c.mutedUntil = now + muteMs;
    // A fresh start once the mute is over.
    c.tokens = burst;
    c.at = c.mutedUntil;
    return { ok: false, reason: "chat_flood", until: c.mutedUntil };
  }

  forget(client: string): void {
    this.#clients.delete(client);
  }
}
