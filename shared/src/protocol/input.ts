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
/** Most bytes one packed input may take. */
export const MAX_INPUT_BYTES = 1024;

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
  if (bytes > MAX_INPUT_BYTES) {
    const name = (inputClass as { name?: string }).name ?? "input";
    throw new Error(`${name} packs into ${bytes} bytes, over the ${MAX_INPUT_BYTES} an input may take`);
  }
  const codec: InputCodec = {
    fields: layout.map((f) => f.name),
    bodyBytes: bytes,
    write(view, offset, input) {
      for (const f of layout) {
        const raw = input[f.name];
        WRITERS[f.kind](view, offset + f.at, typeof raw === "number" ? raw : raw === true ? 1 : 0);
      }
    },
    read(view, offset, target) {
      for (const f of layout) target[f.name] = READERS[f.kind](view, offset + f.at);
    },
  };
  codecs.set(inputClass, codec);
  return codec;
}

type Writer = (view: DataView, at: number, value: number) => void;
type Reader = (view: DataView, at: number) => number | boolean;

const WRITERS: Readonly<Record<Kind, Writer>> = {
  f32: (view, at, v) => view.setFloat32(at, v, true),
  f64: (view, at, v) => view.setFloat64(at, v, true),
  i8: (view, at, v) => view.setInt8(at, v),
  u8: (view, at, v) => view.setUint8(at, v),
  bool: (view, at, v) => view.setUint8(at, v ? 1 : 0),
  i16: (view, at, v) => view.setInt16(at, v, true),
  u16: (view, at, v) => view.setUint16(at, v, true),
  i32: (view, at, v) => view.setInt32(at, v, true),
  u32: (view, at, v) => view.setUint32(at, v, true),
};

const READERS: Readonly<Record<Kind, Reader>> = {
  f32: (view, at) => view.getFloat32(at, true),
  f64: (view, at) => view.getFloat64(at, true),
  i8: (view, at) => view.getInt8(at),
  u8: (view, at) => view.getUint8(at),
  bool: (view, at) => view.getUint8(at) !== 0,
  i16: (view, at) => view.getInt16(at, true),
  u16: (view, at) => view.getUint16(at, true),
  i32: (view, at) => view.getInt32(at, true),
  u32: (view, at) => view.getUint32(at, true),
};

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

/**
 * Why the input frame at `offset` of `frame` (to its end) is malformed for this codec, or
 * undefined when it is sound.
 */
export function checkInputFrame(codec: InputCodec, frame: Uint8Array, offset = 0): string | undefined {
  const length = frame.byteLength - offset;
  if (length < INPUT_FRAME_HEADER_BYTES || frame[offset] !== INPUT_FRAME_CODE) return "input frame truncated";
  const count = frame[offset + 5]!;
  if (count === 0 || count > MAX_INPUTS_PER_FRAME) return `input count ${count} out of range`;
  if (length !== inputFrameBytes(codec, count)) return "input frame length does not match its count";
  return undefined;
}

/** The seq of the newest input in a sound input frame at `offset`. */
export function inputFrameSeq(frame: Uint8Array, offset = 0): number {
  return (
    (frame[offset + 1]! | (frame[offset + 2]! << 8) | (frame[offset + 3]! << 16) | (frame[offset + 4]! << 24)) >>> 0
  );
}

/** How many inputs a sound input frame at `offset` carries. */
export function inputFrameCount(frame: Uint8Array, offset = 0): number {
  return frame[offset + 5]!;
}

/** An input frame's header, or why the frame is malformed for this codec. */
export function readInputFrameHeader(
  codec: InputCodec,
  frame: Uint8Array,
): { seq: number; count: number } | { problem: string } {
  const problem = checkInputFrame(codec, frame);
  return problem ? { problem } : { seq: inputFrameSeq(frame), count: inputFrameCount(frame) };
}
