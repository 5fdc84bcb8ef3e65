import { describe, expect, it } from "vitest";
import {
  joinArenaById,
  joinArena,
  TickwireClient,
  ArenaErrorReasons,
  NET,
  type ChatBroadcast,
  type ErrorNotice,
} from "@tickwire/example-arena/client";
import { useServer, metricValue } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

const fx = useServer({ CHAT_MESSAGES_PER_SECOND: "2", CHAT_BURST: "3", CHAT_MUTE_SECONDS: "1" });

async function pair() {
  const client = new TickwireClient(fx.server.wsUrl);
  const ada = await joinArena(client, { name: "ada" });
  const bob = await joinArenaById(client, ada.roomId, { name: "bob" });
  fx.keep(ada, bob);
  const heard: ChatBroadcast[] = [];
  const notices: ErrorNotice[] = [];
  bob.on("chat", (line) => heard.push(line));
  ada.on("error", (n) => notices.push(n));
  return { ada, bob, heard, notices };
}

describe("chat", () => {
  it("reaches the others as plain text with the sender's id and name", async () => {
    const { ada, heard } = await pair();
    ada.chat("  hello <b>there</b>  ");
    await waitFor(() => heard.length === 1, "bob to hear ada");
    expect(heard[0]).toEqual({ from: ada.sessionId, name: "ada", text: "hello <b>there</b>" });
  });

  it("rejects empty and oversized lines with a clear error to the sender", async () => {
    const { ada, heard, notices } = await pair();
    ada.chat("   ");
    ada.chat("x".repeat(NET.CHAT_MAX_LENGTH + 1));
    await waitFor(() => notices.length === 2, "two notices");
    expect(notices.map((n) => n.reason)).toEqual([
      ArenaErrorReasons.INVALID_PAYLOAD,
      ArenaErrorReasons.INVALID_PAYLOAD,
    ]);
    expect(notices[0]!.detail).toMatch(/empty/);
    expect(notices[1]!.detail).toMatch(/longer than/);
    expect(heard).toHaveLength(0);
  });

  it("mutes a flooding client for a while, with one notice, and lets it talk again afterwards", async () => {
    const { ada, bob, heard, notices } = await pair();
    const before = await metricValue(fx.server, "tickwire_messages_rejected_total", 'reason="chat_muted"');
    for (let i = 0; i < 10; i++) ada.chat(`line ${i}`);
    await waitFor(() => notices.length >= 1, "the flood notice");
    await waitFor(
      async () =>
        (await metricValue(fx.server, "tickwire_messages_rejected_total", 'reason="chat_muted"')) >= before + 6,
      "the muted lines counted",
    );
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ reason: ArenaErrorReasons.CHAT_FLOOD, type: "chat" });
    expect(notices[0]!.detail).toMatch(/muted for 1 s/);
    // The burst got through; the rest did not.
    expect(heard.map((l) => l.text)).toEqual(["line 0", "line 1", "line 2"]);
    expect(ada.closed).toBe(false);
    // Others can still talk meanwhile.
    const adaHeard: ChatBroadcast[] = [];
    ada.on("chat", (l) => adaHeard.push(l));
    bob.chat("still here");
    await waitFor(() => adaHeard.length === 1, "ada to hear bob");
    // After the mute, ada talks again (lines sent while still muted are dropped, and do not
    // extend the mute).
    await waitFor(
      () => {
        ada.chat("back");
        return heard.some((l) => l.text === "back");
      },
      "bob to hear ada again",
      5000,
      250,
    );
    expect(notices).toHaveLength(1);
  });
});
