import { describe, expect, it } from "vitest";
import "@colyseus/monitor";
import { Room, SchemaSerializer } from "@colyseus/core";
import { Encoder } from "@colyseus/schema";
import { defineEntity, defineState, fast, t } from "@tickwire/shared";
import { $refId } from "@colyseus/schema";
import {
  changeTreeOf,
  EngineSerializer,
  forEachUnreliableChange,
  markAllUnreliableDirty,
  monitorInspectData,
  reservedSeatCount,
  type SchemaTree,
  unreliableFieldIndexes,
} from "../../server/src/colyseus.ts";

// Each place the server reaches past Colyseus' public API (server/src/colyseus.ts), pinned
// against the installed @colyseus/core: an upgrade that moves one of them fails here.

const Dot = defineEntity({ x: fast.position(100) }, "AdDot");
const Filtered = defineState({ dots: t.map(Dot).view() }, "AdFiltered");
const Open = defineState({ dots: t.map(Dot) }, "AdOpen");

describe("the Colyseus adapter (server)", () => {
  it("EngineSerializer reaches the state's encoder and flags through a subclass", () => {
    const s = new EngineSerializer<any>();
    expect(s).toBeInstanceOf(SchemaSerializer);
    s.reset(new Filtered());
    expect(s.stateEncoder).toBeInstanceOf(Encoder);
    // What the unreliable flush calls on it.
    for (const m of ["encodeUnreliable", "encodeUnreliableView", "discardUnreliableChanges"] as const) {
      expect(typeof s.stateEncoder[m]).toBe("function");
    }
    expect(s.stateEncoder.sharedBuffer).toBeInstanceOf(Uint8Array);
    expect(typeof s.stateEncoder.root.changeTrees).toBe("object");
    expect(s.filtered).toBe(true);
    expect(s.hasUnreliableFields).toBe(true);
    const open = new EngineSerializer<any>();
    open.reset(new Open());
    expect(open.filtered).toBe(false);
    // The cached full state is encoded again once invalidated.
    open.getFullState();
    const flag = () => (open as unknown as { needFullEncode: boolean }).needFullEncode;
    expect(flag()).toBe(false);
    open.invalidateFullState();
    expect(flag()).toBe(true);
  });

  it("reaches the schema encoder's entities, their pending unreliable changes and their field encoders", () => {
    const s = new EngineSerializer<any>();
    const state = new Filtered();
    s.reset(state);
    const dot = new Dot();
    state.dots.set("a", dot);
    s.applyPatches([]); // the reliable ADD goes out: the dot is no longer new
    const refId = (dot as unknown as Record<symbol, number>)[$refId]!;
    const tree = changeTreeOf(s.stateEncoder, refId)!;
    expect(tree.ref).toBe(dot);
    expect(tree.isNew).toBe(false);
    expect(tree.isFiltered).toBe(true);
    expect(typeof tree.encDescriptor.encoder).toBe("function");
    expect(tree.encDescriptor.names[unreliableFieldIndexes(tree.encDescriptor.metadata)[0]!]).toBe("x");
    expect(changeTreeOf(s.stateEncoder, 987_654)).toBeUndefined();

    const pending = () => {
      const seen: SchemaTree[] = [];
      forEachUnreliableChange(s.stateEncoder, (t) => {
        seen.push(t);
      });
      return seen.filter((t) => t.unreliableRecorder?.has()).map((t) => t.ref);
    };
    dot.x = 12;
    expect(pending()).toEqual([dot]);
    const fields: number[] = [];
    tree.unreliableRecorder!.forEach((index) => {
      fields.push(index);
    });
    expect(fields).toEqual([0]);
    s.stateEncoder.discardUnreliableChanges();
    expect(pending()).toEqual([]);
    // A keyframe: every unreliable field of every sent entity (the root's tick too) is pending again.
    markAllUnreliableDirty(s.stateEncoder);
    expect(pending()).toEqual(expect.arrayContaining([dot, state]));
    expect(s.stateEncoder.hasUnreliableChanges).toBe(true);
  });

  it("setting a room's state installs its serializer through setSerializer (which the engine's room overrides)", () => {
    const installed: unknown[] = [];
    class Probe extends Room {
      override setSerializer(serializer: any): void {
        installed.push(serializer);
        super.setSerializer(serializer);
      }
    }
    const room = new Probe();
    (room as unknown as { __init(): void }).__init();
    room.state = new Open() as never;
    expect(installed).toHaveLength(1);
    expect(installed[0]).toBeInstanceOf(SchemaSerializer);
  });

  it("reservedSeatCount reads the room's pending reservations", () => {
    const room = new (class extends Room {})();
    expect(reservedSeatCount(room)).toBe(0);
    (room as unknown as { _reservedSeats: Record<string, unknown> })._reservedSeats.abc = [{}, {}, false, false];
    expect(reservedSeatCount(room)).toBe(1);
    expect(() => reservedSeatCount({} as Room)).toThrow(/adapter needs updating/);
  });

  it("monitorInspectData calls the monitor's getInspectData on the room", async () => {
    const proto = Room.prototype as unknown as { getInspectData?: (this: Room) => Promise<unknown> };
    expect(typeof proto.getInspectData).toBe("function");
    const room = new (class extends Room {})();
    const original = proto.getInspectData!;
    proto.getInspectData = async function (this: Room) {
      return { from: this === room };
    };
    try {
      expect(await monitorInspectData(room)).toEqual({ from: true });
    } finally {
      proto.getInspectData = original;
    }
  });
});
