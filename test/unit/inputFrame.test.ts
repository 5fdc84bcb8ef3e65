import { describe, expect, it } from "vitest";
import { InputEncoder } from "@colyseus/schema/input";
import { Protocol } from "@colyseus/sdk";
import { PlayerInput } from "@tickwire/example-arena/shared";
import { inputFrameProblem } from "../../server/src/transport/inputFrame.ts";

const TIMED = 0x80;

/** An unreliable input frame as the SDK sends it: the code, then the encoder's ring. */
function sdkFrame(inputs: number): Uint8Array {
  const input = new PlayerInput();
  const encoder = new InputEncoder(input, { mode: "unreliable", historySize: 3 });
  let ring = new Uint8Array();
  for (let i = 0; i < inputs; i++) {
    input.seq = i + 1;
    input.moveX = 0.5;
    input.aim = i;
    ring = encoder.encode().slice();
  }
  return new Uint8Array([Protocol.ROOM_INPUT_UNRELIABLE, ...ring]);
}

describe("unreliable input frame check", () => {
  it("passes the frames the SDK sends, and leaves other codes alone", () => {
    for (const n of [1, 2, 5]) expect(inputFrameProblem(sdkFrame(n))).toBeUndefined();
    expect(inputFrameProblem(new Uint8Array([Protocol.ROOM_DATA, 0xff, 0xff]))).toBeUndefined();
    expect(inputFrameProblem(new Uint8Array([Protocol.ROOM_INPUT_UNRELIABLE, 0]))).toBeUndefined();
  });

  it.each([
    ["a negative length (the frame that looped forever)", [0x80, 0xff]],
    ["no base sequence", []],
    ["a base sequence that is not a number", [0xc1]],
    ["a length past the end", [0x00, 0x05, 0xaa, 0xbb]],
    ["a fractional length", [0x00, 0xca, 0x3f, 0xc0, 0x00, 0x00, 0xaa]],
    ["a length cut short", [0x00, 0xcd, 0x01]],
  ])("refuses %s", (_what, body) => {
    expect(inputFrameProblem(new Uint8Array([Protocol.ROOM_INPUT_UNRELIABLE, ...body]))).toMatch(/\w/);
  });

  it("bounds a stamp block: a huge count or a truncated block is refused, a small one walked", () => {
    const code = Protocol.ROOM_INPUT_UNRELIABLE | TIMED;
    expect(inputFrameProblem(new Uint8Array([code, 0xce, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]))).toMatch(/stamp count/);
    expect(inputFrameProblem(new Uint8Array([code, 0x03, 1, 2]))).toMatch(/truncated/);
    const ring = sdkFrame(2).subarray(1);
    expect(inputFrameProblem(new Uint8Array([code, 0x02, 0, 0, 0, 10, 0x01, ...ring]))).toBeUndefined();
  });
});
