import { Protocol } from "@colyseus/sdk";
import { createRng, type Rng } from "@tickwire/shared";
import { TickwireProtocol } from "@tickwire/shared/protocol";

// Malformed client frames for fuzzing the WebSocket endpoint, from a seeded generator so that a
// failing run can be replayed with the seed it prints.

export type FrameKind =
  | "random"
  | "truncated"
  | "huge_length"
  | "bad_utf8"
  | "every_code"
  | "bad_ack"
  | "oversized"
  | "text"
  | "unknown_type"
  | "bad_payload"
  | "garbage_input"
  | "stale_ack";
/** Frames the server closes the sender for (or may: random bytes can be anything). */
export const HOSTILE_KINDS: readonly FrameKind[] = [
  "random",
  "truncated",
  "huge_length",
  "bad_utf8",
  "every_code",
  "bad_ack",
  "oversized",
  "text",
];
/**
 * Well-framed frames with wrong content: unknown message types, payloads of the wrong type,
 * input bodies that are noise, acks for frames never sent. The server answers or ignores them
 * and the sender stays, so many reach the room's handlers.
 */
export const LENIENT_KINDS: readonly FrameKind[] = ["unknown_type", "bad_payload", "garbage_input", "stale_ack"];
export const FRAME_KINDS: readonly FrameKind[] = [...HOSTILE_KINDS, ...LENIENT_KINDS];

const CODES = [
  Protocol.JOIN_ROOM,
  Protocol.LEAVE_ROOM,
  Protocol.ROOM_DATA,
  Protocol.ROOM_DATA_BYTES,
  Protocol.PING,
  Protocol.ROOM_INPUT_RELIABLE,
  Protocol.ROOM_INPUT_UNRELIABLE,
  Protocol.ROOM_REQUEST,
  Protocol.ROOM_STATE,
  Protocol.ROOM_STATE_PATCH,
  Protocol.ROOM_DATA_SCHEMA,
  TickwireProtocol.ACK,
];

export class FrameFuzzer {
  readonly rng: Rng;
  constructor(
    readonly seed: number,
    readonly maxMessageBytes: number,
  ) {
    this.rng = createRng(seed);
  }

  int(max: number): number {
    return Math.floor(this.rng.next() * max);
  }

  bytes(n: number): number[] {
    return Array.from({ length: n }, () => this.int(256));
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }

  /** One malformed frame of the given kind (binary unless `text`). */
  frame(kind: FrameKind = this.pick(FRAME_KINDS)): Uint8Array | string {
    const code = this.pick(CODES);
    switch (kind) {
      case "random":
        return new Uint8Array(this.bytes(this.int(64)));
      case "truncated": {
        // A plausible start (a message type, a msgpack header, a schema varint) cut short.
        const starts = [
          [Protocol.ROOM_DATA, 0xd9],
          [Protocol.ROOM_DATA, 0x01, 0xdb, 0xff],
          [Protocol.ROOM_DATA, 0xa4, 0x63, 0x68],
          [Protocol.ROOM_INPUT_RELIABLE, 0xff],
          [Protocol.ROOM_INPUT_UNRELIABLE, 0x80, 0xff],
          [Protocol.ROOM_REQUEST, 0x01],
          [Protocol.ROOM_DATA_BYTES, 0xcd],
          [TickwireProtocol.ACK, 0x01],
          [Protocol.ROOM_DATA, 0x01, 0xdc, 0xff, 0xff],
        ];
        return new Uint8Array(this.pick(starts));
      }
      case "huge_length": {
        // Length prefixes announcing gigabytes: msgpack str32/bin32/array32/map32, and varints.
        const heads = [[0xdb], [0xc6], [0xdd], [0xdf], [0xcf]];
        return new Uint8Array([code, 0x01, ...this.pick(heads), 0xff, 0xff, 0xff, 0xff, ...this.bytes(this.int(8))]);
      }
      case "bad_utf8": {
        // A string message type and a string payload with invalid UTF-8 (lone continuation
        // bytes, overlong forms, surrogates).
        const bad = this.pick([
          [0xc0, 0xaf],
          [0xed, 0xa0, 0x80],
          [0xff, 0xfe],
          [0x80, 0x80, 0x80],
          [0xf8, 0x88, 0x80, 0x80, 0x80],
        ]);
        return new Uint8Array([Protocol.ROOM_DATA, 0xa0 | bad.length, ...bad, 0xa0 | bad.length, ...bad]);
      }
      case "every_code":
        return new Uint8Array([this.int(256), ...this.bytes(this.int(32))]);
      case "bad_ack":
        return new Uint8Array([TickwireProtocol.ACK, ...this.bytes(this.int(12))]);
      case "oversized":
        return new Uint8Array([Protocol.ROOM_DATA, 0x01, ...this.bytes(this.maxMessageBytes + 1 + this.int(1024))]);
      case "text":
        return String.fromCharCode(...this.bytes(this.int(40)));
      case "unknown_type": {
        // ROOM_DATA, a msgpack fixstr type of random letters, a small msgpack value.
        const name = Array.from({ length: 1 + this.int(12) }, () => 0x61 + this.int(26));
        return new Uint8Array([
          Protocol.ROOM_DATA,
          0xa0 | name.length,
          ...name,
          this.pick([0xc0, 0xc2, 0x2a, 0x90, 0x80]),
        ]);
      }
      case "bad_payload": {
        // The chat message (string type "chat") with a number, nil, array, map, bool or a non-string.
        const chat = [0x63, 0x68, 0x61, 0x74];
        return new Uint8Array([
          Protocol.ROOM_DATA,
          0xa4,
          ...chat,
          ...this.pick([
            [0xc0],
            [0x2a],
            [0x92, 0x01, 0x02],
            [0x81, 0xa1, 0x61, 0x01],
            [0xc3],
            [0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
          ]),
        ]);
      }
      case "garbage_input": {
        // Unreliable input ring with correct framing and noise for bodies.
        const body = this.bytes(1 + this.int(10));
        return new Uint8Array([Protocol.ROOM_INPUT_UNRELIABLE, this.int(100), body.length, ...body]);
      }
      case "stale_ack": {
        // A well-formed ack (never-sent seq) riding on a PING.
        return new Uint8Array([
          TickwireProtocol.ACK,
          this.int(256),
          this.int(256),
          this.int(256),
          this.int(256),
          Protocol.PING,
        ]);
      }
    }
  }
}

/**
 * Malformed HTTP matchmaking requests: [method, path, headers, body, refused]. `refused` marks the
 * ones that must get a 4xx; the others are odd but harmless (a `null` body is no options) and may
 * succeed. None may go unanswered or answer 500.
 */
export function badHttpRequests(
  roomId: string,
): Array<[string, string, Record<string, string>, string | undefined, boolean]> {
  const json = { "content-type": "application/json" };
  const deep = "[".repeat(5000) + "]".repeat(5000);
  return [
    ["POST", "/matchmake/joinOrCreate/arena", json, "{not json", true],
    ["POST", "/matchmake/joinOrCreate/arena", json, "null", false],
    ["POST", "/matchmake/joinOrCreate/arena", json, "[1,2,3]", true],
    ["POST", "/matchmake/joinOrCreate/arena", json, '"a string"', true],
    ["POST", "/matchmake/joinOrCreate/arena", json, '{"name": 12}', true],
    ["POST", "/matchmake/joinOrCreate/arena", json, '{"name": {"$gt": ""}}', true],
    ["POST", "/matchmake/joinOrCreate/arena", json, '{"name": "x".repeat}', true],
    ["POST", "/matchmake/joinOrCreate/arena", json, JSON.stringify({ name: "\u0000\u0001<script>" }), true],
    ["POST", "/matchmake/joinOrCreate/arena", json, JSON.stringify({ name: "a".repeat(100_000) }), true],
    ["POST", "/matchmake/joinOrCreate/arena", json, deep, true],
    ["POST", "/matchmake/joinOrCreate/arena", json, JSON.stringify({ name: "ada", pad: "x".repeat(1 << 20) }), true],
    [
      "POST",
      "/matchmake/joinOrCreate/arena",
      json,
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}',
      false,
    ],
    ["POST", "/matchmake/joinOrCreate/arena", { "content-type": "text/plain" }, "name=ada", false],
    ["POST", "/matchmake/joinOrCreate/arena", {}, undefined, false],
    ["POST", "/matchmake/joinOrCreate/no-such-room", json, "{}", true],
    ["POST", "/matchmake/notAMethod/arena", json, "{}", true],
    ["POST", "/matchmake/joinById/arena", json, "{}", true],
    ["POST", `/matchmake/joinById/${"x".repeat(2000)}`, json, "{}", true],
    ["POST", "/matchmake/joinById/does-not-exist", json, "{}", true],
    ["POST", "/matchmake/reconnect/arena", json, '{"reconnectionToken": "nope:nope"}', true],
    ["POST", `/matchmake/reconnect/${roomId}`, json, '{"reconnectionToken": 5}', true],
    ["POST", "/matchmake/joinOrCreate/arena", { ...json, authorization: `Bearer ${"A".repeat(8000)}` }, "{}", false],
    ["POST", "/matchmake/joinOrCreate/..%2f..%2fetc", json, "{}", true],
    ["GET", "/matchmake/joinOrCreate/arena", {}, undefined, true],
    ["DELETE", "/matchmake/joinOrCreate/arena", {}, undefined, true],
    ["PUT", "/matchmake/joinOrCreate/arena", json, "{}", true],
    [
      "GET",
      "/monitor/api",
      { authorization: `Basic ${Buffer.from("admin:wrong").toString("base64")}` },
      undefined,
      true,
    ],
    ["GET", "/monitor/api", { authorization: "Basic %%%" }, undefined, true],
    ["GET", "/monitor/api/room/call?roomId=x&method=disconnect", {}, undefined, true],
    ["GET", `/metrics?${"a=1&".repeat(2000)}`, {}, undefined, false],
  ];
}
