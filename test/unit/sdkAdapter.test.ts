import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import { Protocol, Room } from "@colyseus/sdk";
import { defineEntity, defineInput, defineState, fast, inputAck, t } from "@tickwire/shared";
import {
  beforeReconnectAttempt,
  interceptClose,
  isNumericField,
  isOpen,
  mapEntityClass,
  onFrame,
  replaceUnreliableSend,
  schemaFields,
  sendFrame,
  socketBacklog,
} from "../../client-sdk/src/colyseus.ts";
import { waitFor } from "../helpers/wait.ts";

// Pins every reach-in of the client SDK's Colyseus adapter against the installed @colyseus/sdk
// and @colyseus/schema: a real SDK Room connected to a local WebSocket server. An SDK upgrade
// that moves one of these fails here, by name.

const Thing = defineEntity(
  { x: fast.position(100), hue: t.float32().default(0), name: t.string().default(""), ack: inputAck() },
  "Thing",
);
const PinState = defineState({ things: t.map(Thing).view() }, "PinState");
const PinInput = defineInput({ dx: t.float32().default(0), fire: t.boolean().default(false) }, "PinInput");

let server: WebSocketServer | undefined;
afterEach(async () => {
  for (const c of server?.clients ?? []) c.terminate();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A local WebSocket server on a free port, recording what each connection sends. */
async function listen() {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  server = wss;
  await new Promise((r) => wss.once("listening", r));
  const sockets: ServerSocket[] = [];
  const urls: string[] = [];
  const received: Uint8Array[] = [];
  wss.on("connection", (ws, req) => {
    sockets.push(ws);
    urls.push(req.url ?? "");
    ws.on("message", (data) => received.push(new Uint8Array(data as Buffer)));
  });
  const { port } = wss.address() as { port: number };
  return { url: `ws://127.0.0.1:${port}/room?sessionId=s`, sockets, urls, received };
}

/** A real SDK Room connected (as `Client.join` connects it) to the local server. */
async function connectedRoom() {
  const srv = await listen();
  const room = new Room("pin", PinState);
  room.connect(srv.url, {});
  await waitFor(() => srv.sockets.length === 1 && isOpen(room), "the room's socket to open");
  return { room, ...srv };
}

describe("the client SDK's Colyseus adapter, pinned against the installed SDK", () => {
  it("frames: every server frame reaches onFrame before the SDK decodes it; sendFrame writes raw bytes", async () => {
    const { room, sockets, received } = await connectedRoom();
    const frames: number[][] = [];
    onFrame(room, (data) => frames.push([...new Uint8Array(data)]));
    let pinged = 0;
    room.ping(() => pinged++);
    sockets[0]!.send(new Uint8Array([Protocol.PING]));
    await waitFor(() => pinged === 1, "the SDK to decode the frame too");
    expect(frames).toEqual([[Protocol.PING]]);

    sendFrame(room, new Uint8Array([0x3e, 1, 2, 3, 4]));
    await waitFor(() => received.some((f) => f[0] === 0x3e), "the raw frame");
    expect([...received.find((f) => f[0] === 0x3e)!]).toEqual([0x3e, 1, 2, 3, 4]);
    expect(typeof socketBacklog(room)).toBe("number");
  });

  it("unreliable sends: the room's input handle in unreliable mode goes through the replaced send", async () => {
    const { room } = await connectedRoom();
    const sent: Uint8Array[] = [];
    replaceUnreliableSend(room, (data) => sent.push(data.slice()));
    const input = room.input<InstanceType<typeof PinInput>>({ type: PinInput, mode: "unreliable" });
    input.data.dx = 0.5;
    input.send();
    expect(sent).toHaveLength(1);
  });

  it("closes and reconnections: the close handler sees every close first; each SDK retry goes through the hook, on the same connection", async () => {
    const { room, sockets, urls } = await connectedRoom();
    const closes: number[] = [];
    interceptClose(room, (close, forward) => {
      closes.push(close.code);
      forward({ code: 4010, reason: close.reason });
    });
    let attempts = 0;
    beforeReconnectAttempt(room, () => attempts++);
    const connection = room.connection;
    // What a completed join sets up (the join handshake needs a real server).
    (room as unknown as { joinedAtTime: number }).joinedAtTime = Date.now() - 10_000;
    room.reconnectionToken = "pin:token";
    room.reconnection.minUptime = 0;
    room.reconnection.minDelay = 0;
    room.reconnection.delay = 0;
    const drops: number[] = [];
    room.onDrop((code) => drops.push(code));

    sockets[0]!.close(4100, "behind");
    await waitFor(() => sockets.length === 2, "the SDK to reconnect");
    expect(closes).toEqual([4100]);
    expect(drops).toEqual([4010]);
    expect(attempts).toBe(1);
    expect(room.connection).toBe(connection);
    expect(urls[1]).toContain("reconnectionToken=token");
    await waitFor(() => isOpen(room), "the new socket to open");
    // What the Node 22 workaround (closeWhenOpenFails) reads of each attempt's socket.
    const ws = (room.connection as unknown as { transport: { ws: WebSocket } }).transport.ws;
    expect(ws.CONNECTING).toBe(0);
    expect(typeof ws.readyState).toBe("number");
    expect(typeof ws.onclose).toBe("function");
    expect(typeof ws.addEventListener).toBe("function");
  });

  it("schema metadata: fields in order, numeric ones (quantized included), a map's entity class", () => {
    const state = schemaFields(PinState);
    expect(state.map((f) => f.name)).toEqual(["things", "tick", "tickRate"]);
    expect(mapEntityClass(state[0]!)).toBe(Thing);
    expect(mapEntityClass(state[1]!)).toBeUndefined();
    const thing = schemaFields(Thing);
    expect(thing.filter(isNumericField).map((f) => f.name)).toEqual(["x", "hue", "ack"]);
    const input = schemaFields(PinInput);
    expect(input.map((f) => [f.name, f.type])).toEqual([
      ["seq", "uint32"],
      ["dx", "float32"],
      ["fire", "boolean"],
    ]);
  });
});
