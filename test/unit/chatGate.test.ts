import { describe, expect, it } from "vitest";
import { ChatGate } from "@tickwire/example-arena/server";

describe("ChatGate", () => {
  it("allows a burst, then the sustained rate, and mutes a client that goes over", () => {
    const gate = new ChatGate({ perSecond: 2, burst: 3, muteMs: 10_000 });
    for (let i = 0; i < 3; i++) expect(gate.check("a", 0).ok).toBe(true);
    expect(gate.check("a", 0)).toEqual({ ok: false, reason: "chat_flood", until: 10_000 });
    // Muted: lines are dropped quietly until the mute ends, however slowly they come.
    expect(gate.check("a", 5_000)).toEqual({ ok: false, reason: "chat_muted", until: 10_000 });
    expect(gate.check("a", 10_000).ok).toBe(true);
    // Other clients are not affected.
    expect(gate.check("b", 5_000).ok).toBe(true);
  });

  it("refills at the sustained rate", () => {
    const gate = new ChatGate({ perSecond: 2, burst: 1, muteMs: 1000 });
    let t = 0;
    for (let i = 0; i < 20; i++, t += 500) expect(gate.check("a", t).ok).toBe(true);
    expect(gate.check("a", t - 400).ok).toBe(false);
  });
});
