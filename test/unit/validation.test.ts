import { describe, expect, it } from "vitest";
import { NET } from "@tickwire/example-arena/shared";
import { JoinOptions, ChatPayload, sanitizeInput, type InputFields } from "@tickwire/example-arena/shared/validators";
import { loadConfig, ConfigError } from "../../server/src/config.ts";

const fields = (moveX: number, moveY: number, aim: number): InputFields => ({ moveX, moveY, aim, buttons: 0 });

describe("input sanitizing", () => {
  it("turns NaN and infinities into a neutral input, not the range minimum", () => {
    const i = fields(NaN, -Infinity, NaN);
    expect(sanitizeInput(i)).toBe(true);
    expect(i).toEqual({ moveX: 0, moveY: 0, aim: 0, buttons: 0 });
  });
  it("clamps huge axes and wraps the aim", () => {
    const i = fields(1e30, -5, 7 * Math.PI);
    expect(sanitizeInput(i)).toBe(true);
    expect(i.moveX).toBe(1);
    expect(i.moveY).toBe(-1);
    expect(i.aim).toBeCloseTo(Math.PI, 9);
  });
  it("leaves a valid input untouched and reports no change", () => {
    const i = fields(0.5, -1, 1.25);
    expect(sanitizeInput(i)).toBe(false);
    expect(i).toEqual(fields(0.5, -1, 1.25));
  });
});

describe("join options and chat payloads", () => {
  it("accepts a good name and trims it", () => {
    expect(JoinOptions.parse({ name: "  Ada_99 " })).toEqual({ name: "Ada_99" });
  });
  it.each([
    ["", "name is empty"],
    ["x".repeat(NET.NAME_MAX_LENGTH + 1), "longer"],
    ["<b>", "only letters"],
    [42, "expected string"],
  ])("rejects the name %j with a clear message", (name, message) => {
    const r = JoinOptions.safeParse({ name });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain(message);
  });
  it("rejects empty, oversized and non-string chat", () => {
    expect(ChatPayload.safeParse("   ").success).toBe(false);
    expect(ChatPayload.safeParse("x".repeat(NET.CHAT_MAX_LENGTH + 1)).success).toBe(false);
    expect(ChatPayload.safeParse({ text: "hi" }).success).toBe(false);
    expect(ChatPayload.parse(" hi ")).toBe("hi");
  });
});

describe("config", () => {
  it("has the documented defaults and is frozen", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 2567, tickHz: 30, patchHz: 20, maxPlayersPerRoom: 64, monitorUser: "admin" });
    expect(c.monitorPasswordGenerated).toBe(true);
    expect(c.monitorPassword.length).toBeGreaterThanOrEqual(12);
    expect(Object.isFrozen(c)).toBe(true);
  });
  it.each([
    ["PORT", "abc"],
    ["PORT", "70000"],
    ["TICK_HZ", "0"],
    ["PATCH_HZ", "1.5"],
    ["MAX_PLAYERS_PER_ROOM", "-3"],
    ["TRANSPORT", "tcp"],
  ])("refuses %s=%s and names the variable", (key, value) => {
    expect(() => loadConfig({ [key]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(`${key}=`));
  });
  it("never prints a rejected password", () => {
    expect(() => loadConfig({ MONITOR_PASSWORD: "short" })).toThrow(/MONITOR_PASSWORD=\(hidden\)/);
  });
});
