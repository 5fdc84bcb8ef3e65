import { describe, expect, it } from "vitest";
import { defineInput, t } from "@tickwire/shared";
import {
  INPUT_FRAME_CODE,
  inputCodecOf,
  inputFrameBytes,
  readInputFrameHeader,
  writeInputFrame,
} from "@tickwire/shared/protocol";
import { PlayerInput, sanitizeInput } from "@tickwire/example-arena/shared";
import { INPUT_BUFFER_SIZE, InputStore } from "../../server/src/engine/inputs.ts";

const Every = defineInput(
  {
    f32: t.float32().default(0),
    f64: t.float64().default(0),
    num: t.number().default(0),
    i8: t.int8().default(0),
    u8: t.uint8().default(0),
    i16: t.int16().default(0),
    u16: t.uint16().default(0),
    i32: t.int32().default(0),
    u32: t.uint32().default(0),
    flag: t.boolean().default(false),
  },
  "EveryInput",
);

type Arena = { seq: number; moveX: number; moveY: number; aim: number; buttons: number; viewTick: number };
const arena = inputCodecOf(PlayerInput);

function input(seq: number, moveX = 0): Omit<Arena, "seq"> {
  return { moveX, moveY: 0, aim: seq / 100, buttons: seq % 2, viewTick: seq * 2 };
}

/** A frame carrying inputs `newest`, `newest - 1`, ... (`count` of them), as the SDK sends it. */
function frame(newest: number, count: number, moveX = 0): Uint8Array {
  const inputs = Array.from({ length: count }, (_, i) => input(newest - i, moveX));
  const out = new Uint8Array(inputFrameBytes(arena, count));
  writeInputFrame(arena, out, 0, newest, inputs);
  return out;
}

function store(): InputStore<Arena & InstanceType<typeof PlayerInput>> {
  const s = new InputStore(PlayerInput as never, sanitizeInput as never);
  s.open("a");
  return s as never;
}

function drain(s: ReturnType<typeof store>): number[] {
  const seqs: number[] = [];
  for (let i = s.next("a"); i; i = s.next("a")) seqs.push(i.seq);
  return seqs;
}

describe("the input codec", () => {
  it("packs every number and boolean type at its width and reads it back", () => {
    const codec = inputCodecOf(Every);
    expect(codec.bodyBytes).toBe(4 + 8 + 8 + 1 + 1 + 2 + 2 + 4 + 4 + 1);
    const values = {
      f32: 1.5,
      f64: Math.PI,
      num: -1e300,
      i8: -128,
      u8: 255,
      i16: -32768,
      u16: 65535,
      i32: -(2 ** 31),
      u32: 2 ** 32 - 1,
      flag: true,
    };
    const out = new Uint8Array(inputFrameBytes(codec, 1));
    writeInputFrame(codec, out, 0, 7, [values]);
    expect(out[0]).toBe(INPUT_FRAME_CODE);
    expect(readInputFrameHeader(codec, out)).toEqual({ seq: 7, count: 1 });
    const back: Record<string, unknown> = {};
    codec.read(new DataView(out.buffer), 6, back);
    expect(back).toEqual(values);
  });

  it("refuses an input class with a field that is not a number or a boolean, naming it", () => {
    expect(() => defineInput({ note: t.string().default("") }, "TextyInput")).toThrow(/TextyInput\.note/);
  });

  it.each([
    ["a frame cut short", (f: Uint8Array) => f.subarray(0, f.length - 1)],
    ["a count of 0", (f: Uint8Array) => Object.assign(f.slice(), { 5: 0 })],
    ["a count larger than the bodies", (f: Uint8Array) => Object.assign(f.slice(), { 5: 3 })],
    ["a header alone", (f: Uint8Array) => f.subarray(0, 4)],
  ])("calls %s malformed", (_what, spoil) => {
    expect(readInputFrameHeader(arena, spoil(frame(5, 2)))).toHaveProperty("problem");
  });
});

describe("a client's inputs on the server", () => {
  it("reads only inputs it has not seen: the redundant copies are skipped", () => {
    const s = store();
    expect(s.receive("a", frame(1, 1))).toEqual({ added: 1, sanitized: 0 });
    expect(s.receive("a", frame(2, 2))).toEqual({ added: 1, sanitized: 0 });
    expect(s.receive("a", frame(3, 3))).toEqual({ added: 1, sanitized: 0 });
    expect(s.receive("a", frame(3, 3))).toEqual({ added: 0, sanitized: 0 });
    const first = s.next("a")!;
    expect(first).toMatchObject({ seq: 1, buttons: 1, viewTick: 2 });
    expect(first.aim).toBeCloseTo(0.01, 6);
    expect(drain(s)).toEqual([2, 3]);
  });

  it("fills a gap from the redundant copies, oldest first", () => {
    const s = store();
    s.receive("a", frame(1, 1));
    // Frames 2 and 3 were skipped by the client's socket; frame 4 carries 4, 3, 2.
    expect(s.receive("a", frame(4, 3))).toEqual({ added: 3, sanitized: 0 });
    expect(drain(s)).toEqual([1, 2, 3, 4]);
  });

  it("sanitizes each new input once, and counts the ones it had to change", () => {
    const s = store();
    expect(s.receive("a", frame(2, 2, Number.NaN))).toEqual({ added: 2, sanitized: 2 });
    expect(s.next("a")!.moveX).toBe(0);
  });

  it("keeps the newest inputs when the ring overflows", () => {
    const s = store();
    for (let seq = 1; seq <= INPUT_BUFFER_SIZE + 10; seq++) s.receive("a", frame(seq, 1));
    const seqs = drain(s);
    expect(seqs).toHaveLength(INPUT_BUFFER_SIZE);
    expect(seqs[0]).toBe(11);
    expect(seqs.at(-1)).toBe(INPUT_BUFFER_SIZE + 10);
  });

  it("leaves an input the game was given intact for that step and the next", () => {
    const s = store();
    s.receive("a", frame(1, 1, 0.25));
    const held = s.next("a")!;
    for (let seq = 2; seq <= 3; seq++) {
      s.receive("a", frame(seq, 1, -0.5));
      expect(s.next("a")).not.toBe(held);
      expect(held).toMatchObject({ seq: 1, moveX: 0.25 });
    }
    // Records are reused once two newer ones were consumed: no new object per input.
    s.receive("a", frame(4, 1));
    expect(s.next("a")).toBe(held);
    expect([held.seq, held.moveX]).toEqual([4, 0]);
  });

  it("accepts a numbering that restarts on a new socket (a new page on the same seat), not on the same one", () => {
    const s = store();
    s.receive("a", frame(40, 1));
    expect(s.receive("a", frame(3, 3))).toEqual({ added: 0, sanitized: 0 });
    s.open("a");
    expect(s.receive("a", frame(3, 3))).toEqual({ added: 3, sanitized: 0 });
    // What the old sender left waiting goes with it.
    expect(drain(s)).toEqual([1, 2, 3]);
  });

  it("answers a malformed frame with its problem, and ignores frames for clients it does not know", () => {
    const s = store();
    expect(s.receive("a", frame(5, 2).subarray(0, 10))).toHaveProperty("problem");
    expect(s.receive("nobody", frame(5, 2))).toEqual({ added: 0, sanitized: 0 });
    s.remove("a");
    expect(s.receive("a", frame(6, 2))).toEqual({ added: 0, sanitized: 0 });
    expect(s.next("a")).toBeUndefined();
  });
});
