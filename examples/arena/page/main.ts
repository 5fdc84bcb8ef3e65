import {
  TickwireClient,
  Buttons,
  CloseCodes,
  joinArena,
  joinArenaById,
  type ArenaConnection,
  type InputIntent,
} from "../client/index.ts";
import { ArenaRenderer } from "./render.ts";
import { Hud } from "./hud.ts";

// The demo page served at `/`, built on the client SDK: the local player is predicted, the
// others interpolated; WASD/arrows move, the mouse aims, a click fires, Enter opens the chat.

const canvas = document.getElementById("arena") as HTMLCanvasElement;
const chatInput = document.getElementById("chat-input") as HTMLInputElement;
const renderer = new ArenaRenderer(canvas);
const hud = new Hud();
const held = new Set<string>();
const mouse = { x: innerWidth / 2 + 1, y: innerHeight / 2 };
let firing = false;

addEventListener("keydown", (e) => {
  if (document.activeElement === chatInput) return;
  if (e.key === "Enter") {
    e.preventDefault();
    chatInput.focus();
    return;
  }
  held.add(e.key.toLowerCase());
});
addEventListener("keyup", (e) => held.delete(e.key.toLowerCase()));
addEventListener("blur", () => {
  held.clear();
  firing = false;
});
canvas.addEventListener("mousemove", (e) => {
  mouse.x = e.clientX;
  mouse.y = e.clientY;
});
canvas.addEventListener("mousedown", (e) => {
  if (e.button === 0) firing = true;
});
addEventListener("mouseup", () => {
  firing = false;
});

function axis(neg: string[], pos: string[]): number {
  return (pos.some((k) => held.has(k)) ? 1 : 0) - (neg.some((k) => held.has(k)) ? 1 : 0);
}

function intent(): InputIntent {
  // The camera is centred on the local player: the aim is the mouse's angle from the centre.
  const aim = Math.atan2(mouse.y - innerHeight / 2, mouse.x - innerWidth / 2);
  return {
    moveX: axis(["a", "arrowleft"], ["d", "arrowright"]),
    moveY: axis(["w", "arrowup"], ["s", "arrowdown"]),
    aim: aim < 0 ? aim + 2 * Math.PI : aim,
    buttons: firing ? Buttons.FIRE : 0,
  };
}

function wireChat(arena: ArenaConnection): void {
  chatInput.addEventListener("keydown", (e) => {
    if (e.key === "Escape") chatInput.blur();
    if (e.key !== "Enter") return;
    e.preventDefault();
    // Or the window's handler would open the box again at once.
    e.stopPropagation();
    const text = chatInput.value.trim();
    if (text) arena.chat(text);
    chatInput.value = "";
    chatInput.blur();
  });
  chatInput.addEventListener("focus", () => held.clear());
}

function wireEvents(arena: ArenaConnection): void {
  arena.on("chat", (line) => hud.line(`${line.name}: ${line.text}`));
  arena.on("error", (n) => hud.line(`${n.type}: ${n.detail}`, "error"));
  arena.on("shots", ({ shots }) => {
    for (const shot of shots) renderer.addShot(shot, performance.now());
  });
  arena.on("death", (d) => {
    if (d.victim === arena.sessionId) hud.line(`${d.killerName} got you; respawning…`, "system");
  });
  arena.on("enterView", (p) => hud.line(`${p.name} is near`, "system"));
  arena.on("dropped", () => hud.status("connection lost…"));
  arena.on("reconnecting", (n, max) => hud.status(`reconnecting (${n}/${max})…`));
  arena.on("reconnected", () => {
    hud.status("");
    hud.line("reconnected", "system");
  });
  arena.on("reconnectFailed", () => hud.status("could not reconnect; reload to join again"));
  arena.on("leave", (code) => {
    if (code !== CloseCodes.CONSENTED) hud.status(`disconnected (${code}); reload to join again`);
  });
}

async function start(): Promise<void> {
  const endpoint = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
  const params = new URLSearchParams(location.search);
  const name = params.get("name") ?? `guest-${Math.floor(Math.random() * 1000)}`;
  // `?token=` for a server with AUTH_SECRET (e.g. from `npm run token`).
  const client = new TickwireClient(endpoint, { token: params.get("token") ?? undefined });
  const roomId = params.get("room");
  const arena = roomId ? await joinArenaById(client, roomId, { name }) : await joinArena(client, { name });
  hud.line(`joined room ${arena.roomId} as ${name}`, "system");
  wireChat(arena);
  wireEvents(arena);
  arena.startInputLoop(intent);
  // Exposed for end-to-end tests and for poking at from the devtools console.
  (window as unknown as { tickwire: unknown }).tickwire = { arena };

  const frame = () => {
    const now = performance.now();
    renderer.draw(arena, now);
    hud.update(arena, now);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

start().catch((err) => hud.status(`could not join: ${(err as Error).message}`));
