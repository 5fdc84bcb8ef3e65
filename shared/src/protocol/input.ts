// Tickwire's input frame: a client's newest inputs, packed at fixed offsets so that the server
// reads only the ones it has not seen yet, straight into its input buffer (no schema decode, no
// clone of the redundant copies).
//
//   [INPUT][uint32 LE seq of the newest input][uint8 count][count bodies, newest first]
//
// A body is the input's fields other than `seq`, in declaration order, each at its type's
// width, little-endian: float32, float64 ("number", int64 and uint64 too), int8, uint8, int16,
// uint16, int32, uint32, boolean (one byte). The bodies carry seq, seq-1, ... seq-count+1: each
// frame repeats the inputs the previous frames carried, so a lost or skipped frame costs nothing.

import { metadataOf, schemaFields } from "../schema/metadata.ts";

export const INPUT_FRAME_CODE = 0x3f;
/** Bytes before the first body: code, seq, count. */
export const INPUT_FRAME_HEADER_BYTES = 6;
/** Most inputs one frame may carry. */
export const MAX_INPUTS_PER_FRAME = 16;

type Kind = "f32" | "f64" | "i8" | "u8" | "i16" | "u16" | "i32" | "u32" | "bool";

const KINDS: Readonly<Record<string, Kind>> = {
  float32: "f32",
  float64: "f64",
  number: "f64",
  int64: "f64",
  uint64: "f64",
  int8: "i8",
  uint8: "u8",
  int16: "i16",
  uint16: "u16",
  int32: "i32",
  uint32: "u32",
  boolean: "bool",
};

const WIDTH: Readonly<Record<Kind, number>> = { f32: 4, f64: 8, i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, bool: 1 };

/** How one input class is packed in an input frame. */
export interface InputCodec {
  /** The packed fields (all but `seq`), in order. */
  readonly fields: readonly string[];
  /** Bytes of one packed input. */
  readonly bodyBytes: number;
  /** Writes `input`'s fields at `offset`. */
  write(view: DataView, offset: number, input: Readonly<Record<string, unknown>>): void;
  /** Reads one packed input at `offset` into `target` (its fields are overwritten; `seq` is left alone). */
  read(view: DataView, offset: number, target: Record<string, unknown>): void;
}

const codecs = new WeakMap<object, InputCodec>();

/**
 * The packing of an input class made by `defineInput`. Throws, naming the field, for a field
 * that is not a number or a boolean (an input is a fixed-size record).
 */
export function inputCodecOf(inputClass: object): InputCodec {
  const cached = codecs.get(inputClass);
  if (cached) return cached;
  metadataOf(inputClass);
  const layout: Array<{ name: string; kind: Kind; at: number }> = [];
  let bytes = 0;
  for (const f of schemaFields(inputClass)) {
    if (f.name === "seq") continue;
    const kind = typeof f.type === "string" ? KINDS[f.type] : undefined;
    if (!kind) {
      const name = (inputClass as { name?: string }).name ?? "input";
      throw new Error(
        `${name}.${f.name}: an input field must be a number or a boolean type, not ${JSON.stringify(f.type)}`,
      );
    }
    layout.push({ name: f.name, kind, at: bytes });
    bytes += WIDTH[kind];
  }
  const codec: InputCodec = {
    fields: layout.map((f) => f.name),
    bodyBytes: bytes,
    write(view, offset, input) {
      for (const f of layout) writeValue(view, offset + f.at, f.kind, input[f.name]);
    },
    read(view, offset, target) {
      for (const f of layout) target[f.name] = readValue(view, offset + f.at, f.kind);
    },
  };
  codecs.set(inputClass, codec);
  return codec;
}

function writeValue(view: DataView, at: number, kind: Kind, raw: unknown): void {
  const v = typeof raw === "number" ? raw : raw === true ? 1 : 0;
  switch (kind) {
    case "f32":
      return view.setFloat32(at, v, true);
    case "f64":
      return view.setFloat64(at, v, true);
    case "i8":
      return view.setInt8(at, v);
    case "u8":
    case "bool":
      return view.setUint8(at, kind === "bool" ? (v ? 1 : 0) : v);
    case "i16":
      return view.setInt16(at, v, true);
    case "u16":
      return view.setUint16(at, v, true);
    case "i32":
      return view.setInt32(at, v, true);
    case "u32":
      return view.setUint32(at, v, true);
  }
}

function readValue(view: DataView, at: number, kind: Kind): number | boolean {
  switch (kind) {
    case "f32":
      return view.getFloat32(at, true);
    case "f64":
      return view.getFloat64(at, true);
    case "i8":
      return view.getInt8(at);
    case "u8":
      return view.getUint8(at);
    case "bool":
      return view.getUint8(at) !== 0;
    case "i16":
      return view.getInt16(at, true);
    case "u16":
      return view.getUint16(at, true);
    case "i32":
      return view.getInt32(at, true);
    case "u32":
      return view.getUint32(at, true);
  }
}

/** Bytes of an input frame carrying `count` inputs. */
export function inputFrameBytes(codec: InputCodec, count: number): number {
  return INPUT_FRAME_HEADER_BYTES + count * codec.bodyBytes;
}

/**
 * Writes an input frame at `offset` of `target` (which must have `inputFrameBytes` room):
 * `inputs` newest first, the newest numbered `seq`. Returns the bytes written.
 */
export function writeInputFrame(
  codec: InputCodec,
  target: Uint8Array,
  offset: number,
  seq: number,
  inputs: ReadonlyArray<Readonly<Record<string, unknown>>>,
): number {
  const count = Math.min(inputs.length, MAX_INPUTS_PER_FRAME);
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  target[offset] = INPUT_FRAME_CODE;
  view.setUint32(offset + 1, seq >>> 0, true);
  target[offset + 5] = count;
  let at = offset + INPUT_FRAME_HEADER_BYTES;
  for (let i = 0; i < count; i++, at += codec.bodyBytes) codec.write(view, at, inputs[i]!);
  return at - offset;
}

/** An input frame's header, or why the frame is malformed for this codec. */
export function readInputFrameHeader(
  codec: InputCodec,
  frame: Uint8Array,
): { seq: number; count: number } | { problem: string } {
  if (frame.byteLength < INPUT_FRAME_HEADER_BYTES || frame[0] !== INPUT_FRAME_CODE)
    return { problem: "input frame truncated" };
  const count = frame[5]!;
  if (count === 0 || count > MAX_INPUTS_PER_FRAME) return { problem: `input count ${count} out of range` };
  if (frame.byteLength !== inputFrameBytes(codec, count))
    return { problem: "input frame length does not match its count" };
  const seq = frame[1]! | (frame[2]! << 8) | (frame[3]! << 16) | (frame[4]! * 0x1000000);
  return { seq: seq >>> 0, count };
}
