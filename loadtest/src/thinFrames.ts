import { Buttons, PlayerInput } from "@tickwire/example-arena/shared";
import {
  type Ack,
  ACK_HEADER_BYTES,
  helloFrame,
  inputCodecOf,
  inputFrameBytes,
  UNRELIABLE_PATCH_BYTE,
  writeAckHeader,
  writeInputFrame,
} from "@tickwire/shared/protocol";

// The frames a thin bot sends, and what it reads of the frames it receives: the first bytes
// only (it never decodes the state). Frames are written into one scratch buffer shared by every
// fleet of a thread; a frame returned here is valid until the next one is written, which is
// enough because the socket copies it as it masks it (see thinWire.ts).

/** Colyseus 0.18 protocol codes (`@colyseus/shared-types` Protocol), low 5 bits of the first byte. */
const JOIN_ROOM = 10;
const ERROR = 11;
const LEAVE_ROOM = 12;
const ROOM_STATE_PATCH = 15;
const PING = 18;
const CODE_MASK = 0x1f;

/** Inputs each frame carries: the newest and the two before it (as the SDK's INPUT_REDUNDANCY). */
export const THIN_INPUT_REDUNDANCY = 3;

/** One input, as the arena's PlayerInput has it. */
export type InputRecord = { moveX: number; moveY: number; aim: number; buttons: number; viewTick: number };

/** What a server frame is to a thin bot, from its first byte. */
export const ServerFrame = {
  /** Anything a bot does not look at. */
  OTHER: 0,
  JOIN_ROOM: 1,
  ERROR: 2,
  LEAVE_ROOM: 3,
  /** A reliable ROOM_STATE_PATCH. */
  RELIABLE_PATCH: 4,
  /** An unreliable state frame (its seq in the two bytes after the first). */
  UNRELIABLE_PATCH: 5,
  /** The answer to a ping. */
  PING: 6,
} as const;
export type ServerFrame = (typeof ServerFrame)[keyof typeof ServerFrame];

/** What the server frame starting with `first` is. */
export function serverFrame(first: number): ServerFrame {
  if (first === UNRELIABLE_PATCH_BYTE) return ServerFrame.UNRELIABLE_PATCH;
  switch (first & CODE_MASK) {
    case JOIN_ROOM:
      return ServerFrame.JOIN_ROOM;
    case ERROR:
      return ServerFrame.ERROR;
    case LEAVE_ROOM:
      return ServerFrame.LEAVE_ROOM;
    case ROOM_STATE_PATCH:
      return ServerFrame.RELIABLE_PATCH;
    case PING:
      return ServerFrame.PING;
    default:
      return ServerFrame.OTHER;
  }
}

/** The seq of the unreliable state frame of `length` bytes at `offset` of `data`, or -1 when it is too short to carry one. */
export function unreliableSeq(data: Buffer, offset: number, length: number): number {
  if (length < 3) return -1;
  return data[offset + 1]! | (data[offset + 2]! << 8);
}

/** The one-byte frames a bot sends, made once: the answer to JOIN_ROOM, a leave, a ping. */
export const OneByteFrame = {
  JOIN_ROOM: Buffer.from([JOIN_ROOM]),
  LEAVE_ROOM: Buffer.from([LEAVE_ROOM]),
  PING: Buffer.from([PING]),
} as const;

/** Shared between all fleets of a thread: the frames are written here, then copied as they are masked. */
const scratch = Buffer.alloc(ACK_HEADER_BYTES + 256);
/** A view of `scratch` per length, made once (no view object per send). */
const views: Buffer[] = [];
function scratchView(length: number): Buffer {
  let v = views[length];
  if (!v) {
    v = scratch.subarray(0, length);
    views[length] = v;
  }
  return v;
}

const codec = inputCodecOf(PlayerInput);
const HELLO = helloFrame();

/** Bytes of an input frame carrying the full redundancy, with an ack in front (for reports). */
export const THIN_FRAME_BYTES = ACK_HEADER_BYTES + inputFrameBytes(codec, THIN_INPUT_REDUNDANCY);

/**
 * The frame that follows the answer to JOIN_ROOM: an ack of nothing (this client acknowledges,
 * so its frames go through the ack window at once), then the hello that says it reads bundles.
 */
export function helloAckFrame(): Buffer {
  writeAckHeader(scratch, { seq: 0, heldMs: 0 });
  scratch.set(HELLO, ACK_HEADER_BYTES);
  return scratchView(ACK_HEADER_BYTES + HELLO.byteLength);
}

/** An ack alone. */
export function bareAckFrame(ack: Ack): Buffer {
  writeAckHeader(scratch, ack);
  return scratchView(ACK_HEADER_BYTES);
}

/**
 * Makes `recent` (the newest inputs sent, newest first, at most THIN_INPUT_REDUNDANCY; objects
 * reused) start with a new input: moving and aiming along `heading`, firing or not.
 */
export function pushInput(recent: InputRecord[], heading: number, fire: boolean): void {
  let input: InputRecord;
  if (recent.length < THIN_INPUT_REDUNDANCY) {
    input = { moveX: 0, moveY: 0, aim: 0, buttons: 0, viewTick: 0 };
    recent.unshift(input);
  } else {
    input = recent.pop()!;
    recent.unshift(input);
  }
  input.moveX = Math.cos(heading);
  input.moveY = Math.sin(heading);
  input.aim = heading;
  input.buttons = fire ? Buttons.FIRE : 0;
  input.viewTick = 0;
}

/** An input frame of `recent` (newest first, the newest numbered `seq`), with `ack` riding in front if given. */
export function inputFrame(seq: number, recent: readonly InputRecord[], ack: Ack | undefined): Buffer {
  const offset = ack ? ACK_HEADER_BYTES : 0;
  if (ack) writeAckHeader(scratch, ack);
  return scratchView(offset + writeInputFrame(codec, scratch, offset, seq, recent));
}
